CREATE TRIGGER loan_movements_no_update BEFORE UPDATE ON loan_movements
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
