CREATE TRIGGER recon_statements_no_delete BEFORE DELETE ON recon_statements
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
