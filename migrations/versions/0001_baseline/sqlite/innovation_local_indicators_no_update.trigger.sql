CREATE TRIGGER innovation_local_indicators_no_update BEFORE UPDATE ON innovation_local_indicators
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
