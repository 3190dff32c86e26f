CREATE TRIGGER innovation_scores_no_delete BEFORE DELETE ON innovation_scores
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
