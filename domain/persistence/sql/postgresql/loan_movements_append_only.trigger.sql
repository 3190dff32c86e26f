CREATE TRIGGER loan_movements_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.loan_movements FOR EACH STATEMENT EXECUTE FUNCTION domain_refuse_change()
