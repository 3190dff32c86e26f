CREATE TRIGGER innovation_scoring_runs_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.innovation_scoring_runs FOR EACH STATEMENT EXECUTE FUNCTION domain_refuse_change()
