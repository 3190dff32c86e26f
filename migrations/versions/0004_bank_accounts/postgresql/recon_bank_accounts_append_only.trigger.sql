CREATE TRIGGER recon_bank_accounts_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.recon_bank_accounts FOR EACH STATEMENT EXECUTE FUNCTION recon_refuse_change()
