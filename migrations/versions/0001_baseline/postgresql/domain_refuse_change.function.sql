-- Append-only: the domain's record (loan movements, claim events, status changes, innovation facts) is append-only.
CREATE OR REPLACE FUNCTION public.domain_refuse_change()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'RP003';
END
$function$
