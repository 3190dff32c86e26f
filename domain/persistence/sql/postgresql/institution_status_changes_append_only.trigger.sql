CREATE TRIGGER institution_status_changes_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.institution_status_changes FOR EACH STATEMENT EXECUTE FUNCTION domain_refuse_change()
