CREATE TRIGGER innovation_scores_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.innovation_scores FOR EACH STATEMENT EXECUTE FUNCTION domain_refuse_change()
