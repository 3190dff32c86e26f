-- Nothing posts with a business date inside a closed period of its book
-- (结账: a ledger_periods row approved by a second person).
CREATE TRIGGER ledger_entries_in_closed_period BEFORE INSERT ON ledger_entries
WHEN EXISTS (SELECT 1 FROM ledger_periods c
             WHERE c.book_id = NEW.book_id AND c.approved_by IS NOT NULL
               AND NEW.effective_date BETWEEN c.starts_on AND c.ends_on)
BEGIN
    SELECT RAISE(ABORT, 'RP004');
END
