CREATE TRIGGER recon_runs_no_delete BEFORE DELETE ON recon_runs
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
