CREATE TRIGGER recon_decisions_no_delete BEFORE DELETE ON recon_decisions
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
