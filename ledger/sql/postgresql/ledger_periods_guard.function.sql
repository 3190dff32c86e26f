-- A close is final (no reopening): a closed period is never changed or
-- removed, and a prepared one only gains its approval.
CREATE OR REPLACE FUNCTION public.ledger_periods_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF OLD.approved_by IS NOT NULL OR (TG_OP = 'UPDATE'
       AND (NEW.id, NEW.book_id, NEW.starts_on, NEW.ends_on, NEW.prepared_by, NEW.prepared_at)
           IS DISTINCT FROM
           (OLD.id, OLD.book_id, OLD.starts_on, OLD.ends_on, OLD.prepared_by, OLD.prepared_at))
    THEN
        RAISE EXCEPTION '% on a closed period is not allowed: a close is final', TG_OP
            USING ERRCODE = 'RP003';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$function$
