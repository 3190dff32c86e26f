CREATE TRIGGER recon_files_no_update BEFORE UPDATE ON recon_files
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
