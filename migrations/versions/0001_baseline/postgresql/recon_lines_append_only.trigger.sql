CREATE TRIGGER recon_lines_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.recon_lines FOR EACH STATEMENT EXECUTE FUNCTION recon_refuse_change()
