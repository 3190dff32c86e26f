-- When entry rows arrive, once per statement: no business date after the
-- business date (Asia/Shanghai) of the entry's own booking time, and none
-- inside a closed period (结账) of the entry's book.
CREATE OR REPLACE FUNCTION public.ledger_entries_dates_check()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    v_future bigint;
    v_closed bigint;
BEGIN
    SELECT min(e.id) INTO v_future FROM new_entries e
     WHERE e.effective_date > (e.booked_at AT TIME ZONE 'Asia/Shanghai')::date;
    IF v_future IS NOT NULL THEN
        RAISE EXCEPTION 'entry % is dated after its booking day', v_future
            USING ERRCODE = 'RP005';
    END IF;
    SELECT min(e.id) INTO v_closed FROM new_entries e
      JOIN ledger_periods c ON c.book_id = e.book_id AND c.approved_by IS NOT NULL
       AND e.effective_date BETWEEN c.starts_on AND c.ends_on;
    IF v_closed IS NOT NULL THEN
        RAISE EXCEPTION 'entry % is dated inside a closed period', v_closed
            USING ERRCODE = 'RP004';
    END IF;
    RETURN NULL;
END
$function$
