CREATE TRIGGER innovation_local_indicators_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.innovation_local_indicators FOR EACH STATEMENT EXECUTE FUNCTION domain_refuse_change()
