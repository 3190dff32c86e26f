-- Postings are written before their entry (see riskpool.ledger), and never
-- added to an entry already written. Once per statement.
CREATE OR REPLACE FUNCTION public.ledger_postings_check()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    v_first bigint;
    v_last bigint;
BEGIN
    -- A statement's entry ids are fresh from the sequence as a rule, so one
    -- range probe of the primary key settles it; only when an entry lies in
    -- that range (ids of concurrent writers interleave) is each id looked up.
    SELECT min(entry_id), max(entry_id) INTO v_first, v_last FROM new_postings;
    IF EXISTS (SELECT 1 FROM ledger_entries e WHERE e.id BETWEEN v_first AND v_last)
       AND EXISTS (SELECT 1 FROM new_postings n JOIN ledger_entries e ON e.id = n.entry_id) THEN
        RAISE EXCEPTION 'postings cannot be added to a posted entry' USING ERRCODE = 'RP002';
    END IF;
    RETURN NULL;
END
$function$
