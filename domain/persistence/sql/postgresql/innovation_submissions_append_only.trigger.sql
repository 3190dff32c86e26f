CREATE TRIGGER innovation_submissions_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.innovation_submissions FOR EACH STATEMENT EXECUTE FUNCTION domain_refuse_change()
