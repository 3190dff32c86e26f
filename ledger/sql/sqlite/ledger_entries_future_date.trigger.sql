-- A business date is never after the business date (Asia/Shanghai, UTC+8,
-- no daylight saving) of the entry's own booking time, the server's clock.
-- booked_at is stored as UTC wall time.
CREATE TRIGGER ledger_entries_future_date BEFORE INSERT ON ledger_entries
WHEN NEW.effective_date > date(NEW.booked_at, '+8 hours')
BEGIN
    SELECT RAISE(ABORT, 'RP005');
END
