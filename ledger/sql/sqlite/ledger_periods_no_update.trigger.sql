-- A close is final (no reopening): a closed period never changes, and a
-- prepared one only gains its approval.
CREATE TRIGGER ledger_periods_no_update BEFORE UPDATE ON ledger_periods
WHEN OLD.approved_by IS NOT NULL OR NEW.id <> OLD.id OR NEW.book_id <> OLD.book_id
  OR NEW.starts_on <> OLD.starts_on OR NEW.ends_on <> OLD.ends_on
  OR NEW.prepared_by <> OLD.prepared_by OR NEW.prepared_at <> OLD.prepared_at
BEGIN
    SELECT RAISE(ABORT, 'RP003');
END
