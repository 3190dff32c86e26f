CREATE TRIGGER institution_status_changes_no_delete BEFORE DELETE ON institution_status_changes
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
