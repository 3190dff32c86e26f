CREATE TRIGGER innovation_submissions_no_update BEFORE UPDATE ON innovation_submissions
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
