CREATE TRIGGER recon_lines_no_delete BEFORE DELETE ON recon_lines
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
