CREATE TRIGGER institution_status_changes_no_update BEFORE UPDATE ON institution_status_changes
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
