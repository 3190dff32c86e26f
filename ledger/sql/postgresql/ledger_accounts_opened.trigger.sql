CREATE TRIGGER ledger_accounts_opened AFTER INSERT ON public.ledger_accounts FOR EACH ROW EXECUTE FUNCTION ledger_account_opened()
