CREATE TRIGGER ledger_periods_guarded BEFORE DELETE OR UPDATE ON public.ledger_periods FOR EACH ROW EXECUTE FUNCTION ledger_periods_guard()
