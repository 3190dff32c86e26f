CREATE TRIGGER recon_statements_no_update BEFORE UPDATE ON recon_statements
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
