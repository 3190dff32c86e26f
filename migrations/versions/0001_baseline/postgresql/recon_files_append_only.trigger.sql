CREATE TRIGGER recon_files_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.recon_files FOR EACH STATEMENT EXECUTE FUNCTION recon_refuse_change()
