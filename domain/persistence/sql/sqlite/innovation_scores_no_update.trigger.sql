CREATE TRIGGER innovation_scores_no_update BEFORE UPDATE ON innovation_scores
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
