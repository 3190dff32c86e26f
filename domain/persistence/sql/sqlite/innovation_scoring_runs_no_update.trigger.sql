CREATE TRIGGER innovation_scoring_runs_no_update BEFORE UPDATE ON innovation_scoring_runs
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
