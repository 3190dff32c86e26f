CREATE TRIGGER innovation_local_indicators_no_delete BEFORE DELETE ON innovation_local_indicators
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
