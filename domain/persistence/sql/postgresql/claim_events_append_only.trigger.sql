CREATE TRIGGER claim_events_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.claim_events FOR EACH STATEMENT EXECUTE FUNCTION domain_refuse_change()
