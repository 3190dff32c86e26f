CREATE TRIGGER recon_statements_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.recon_statements FOR EACH STATEMENT EXECUTE FUNCTION recon_refuse_change()
