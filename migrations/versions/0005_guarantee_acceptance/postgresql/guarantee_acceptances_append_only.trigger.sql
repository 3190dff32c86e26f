CREATE TRIGGER guarantee_acceptances_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.guarantee_acceptances FOR EACH STATEMENT EXECUTE FUNCTION domain_refuse_change()
