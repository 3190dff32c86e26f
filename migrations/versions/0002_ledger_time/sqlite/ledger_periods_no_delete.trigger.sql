-- A closed period is never removed (that would reopen it without a trace).
CREATE TRIGGER ledger_periods_no_delete BEFORE DELETE ON ledger_periods
WHEN OLD.approved_by IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'RP003');
END
