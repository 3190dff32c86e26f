-- Append-only: statements from outside and people's decisions are append-only.
CREATE OR REPLACE FUNCTION public.recon_refuse_change()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'RP003';
END
$function$
