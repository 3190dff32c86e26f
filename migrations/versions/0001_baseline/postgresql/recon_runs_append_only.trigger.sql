CREATE TRIGGER recon_runs_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.recon_runs FOR EACH STATEMENT EXECUTE FUNCTION recon_refuse_change()
