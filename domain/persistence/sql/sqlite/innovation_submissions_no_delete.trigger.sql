CREATE TRIGGER innovation_submissions_no_delete BEFORE DELETE ON innovation_submissions
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
