CREATE TRIGGER recon_runs_no_update BEFORE UPDATE ON recon_runs
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
