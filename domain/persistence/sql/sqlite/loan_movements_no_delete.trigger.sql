CREATE TRIGGER loan_movements_no_delete BEFORE DELETE ON loan_movements
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
