CREATE TRIGGER recon_decisions_no_update BEFORE UPDATE ON recon_decisions
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
