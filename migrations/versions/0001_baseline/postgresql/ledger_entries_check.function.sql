-- When entry rows arrive (after their postings), once per statement: every
-- entry has postings that sum to zero per currency (invariant 1), all in
-- accounts of its own book; then each touched account's cached balance,
-- version and chain head move, in the same transaction as the postings
-- (invariants 7 and 8). The balance rows' CHECK constraints hold the flags.
CREATE OR REPLACE FUNCTION public.ledger_entries_check()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    v_first bigint;
    v_last bigint;
    v_unbalanced bigint;
    v_crossing bigint;
BEGIN
    -- The new entries' ids form a range; their postings are found by one
    -- range scan of ix_ledger_postings_entry_id, whatever the statement's size.
    SELECT min(id), max(id) INTO v_first, v_last FROM new_entries;
    WITH p AS MATERIALIZED (
        SELECT e.id, e.book_id, e.entry_hash, p.account_id, p.account_seq, p.currency, p.amount
          FROM new_entries e
          LEFT JOIN (SELECT * FROM ledger_postings q
                      WHERE q.entry_id BETWEEN v_first AND v_last) p ON p.entry_id = e.id
    ), unbalanced AS (
        SELECT id FROM p GROUP BY id, currency
        HAVING count(account_id) = 0 OR sum(amount) <> 0
    ), crossing AS (
        SELECT p.id FROM p JOIN ledger_accounts a ON a.id = p.account_id
         WHERE a.book_id <> p.book_id
    ), moved AS (
        -- Each touched balance row once, in account-id order (the order the
        -- writer locked them in): the head is the hash of the entry holding
        -- the account's highest-numbered new posting.
        UPDATE ledger_balances b
           SET balance = b.balance + h.total, version = b.version + h.n,
               head_hash = h.entry_hash
          FROM (SELECT account_id, sum(amount) AS total, count(*) AS n,
                       (array_agg(entry_hash ORDER BY account_seq DESC))[1] AS entry_hash
                  FROM p WHERE account_id IS NOT NULL
                 GROUP BY account_id ORDER BY account_id) h
         WHERE b.account_id = h.account_id
        RETURNING 1  -- a data-modifying CTE runs to completion, read or not
    )
    SELECT (SELECT min(id) FROM unbalanced), (SELECT min(id) FROM crossing)
      INTO v_unbalanced, v_crossing;
    IF v_unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'entry % has no postings or does not sum to zero', v_unbalanced
            USING ERRCODE = 'RP001';
    ELSIF v_crossing IS NOT NULL THEN
        RAISE EXCEPTION 'entry % posts to an account of another book', v_crossing
            USING ERRCODE = 'RP002';
    END IF;
    RETURN NULL;
END
$function$
