-- Append-only (invariant 2): entries and postings are never updated, deleted
-- or truncated; a mistake is corrected by a reversing entry.
CREATE OR REPLACE FUNCTION public.ledger_refuse_change()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: the ledger is append-only; post a reversing entry',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'RP003';
END
$function$
