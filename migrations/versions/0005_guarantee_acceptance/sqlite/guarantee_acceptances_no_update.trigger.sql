CREATE TRIGGER guarantee_acceptances_no_update BEFORE UPDATE ON guarantee_acceptances
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
