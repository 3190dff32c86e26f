CREATE TRIGGER recon_decisions_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.recon_decisions FOR EACH STATEMENT EXECUTE FUNCTION recon_refuse_change()
