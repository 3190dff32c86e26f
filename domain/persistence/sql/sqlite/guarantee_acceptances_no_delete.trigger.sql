CREATE TRIGGER guarantee_acceptances_no_delete BEFORE DELETE ON guarantee_acceptances
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
