-- Every account has exactly one cached balance row, carrying its balance
-- flags, whose CHECK constraints hold them (invariant 6).
CREATE OR REPLACE FUNCTION public.ledger_account_opened()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO ledger_balances (account_id, balance, version,
        debits_must_not_exceed_credits, credits_must_not_exceed_debits)
    VALUES (NEW.id, 0, 0, NEW.debits_must_not_exceed_credits,
        NEW.credits_must_not_exceed_debits);
    RETURN NULL;
END
$function$
