CREATE TRIGGER claim_events_no_delete BEFORE DELETE ON claim_events
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
