CREATE TRIGGER recon_lines_no_update BEFORE UPDATE ON recon_lines
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
