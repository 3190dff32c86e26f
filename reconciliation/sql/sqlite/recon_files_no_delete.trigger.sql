CREATE TRIGGER recon_files_no_delete BEFORE DELETE ON recon_files
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
