"""Plans for bulk posts: the lock call and the entries trigger (PostgreSQL).

Revision ID: 0010_ledger_bulk_plans
Revises: 0009_ledger_set_based_keys
Create Date: 2026-11-29

Why: ``ledger_lock`` (0001) locked the balance rows in one CTE and joined
them back to the accounts it had found in another. Planned once per session
as a generic plan, with both CTEs estimated at one row once the tables had
been analysed, that join became a nested loop over both: for a batch posting
to 2,000 accounts, 4,000,000 comparisons and 0.4 s of a bulk post's 0.1 s
lock call. The balance rows are now locked *through* the join (``FOR UPDATE
OF b``, in account-id order as before), so every account is one index probe
whatever the estimates. Same arguments, same rows, same locks.

The entries trigger found each new entry's postings with an index probe per
entry, and each account's new chain head by sorting its postings: for a
``COPY`` of 50,000 entries, two thirds of the statement. From 1,000 new
entries it now reads the postings of the statement's id range in one index
range scan joined by hash, and finds each account's head with two probes
(its last posting by ``(account_id, account_seq)``, then that posting's
entry). Both branches are the same rules with the same messages; the small
one is 0009's, kept for single posts and group-commit calls, whose plans
(made once per session, for the size first seen) must stay index probes.
"""

from __future__ import annotations

from alembic import op

from riskpool.migrate import revision_module

revision = "0010_ledger_bulk_plans"
down_revision = "0009_ledger_set_based_keys"
branch_labels = None
depends_on = None

LEDGER_LOCK = """
CREATE OR REPLACE FUNCTION ledger_lock(
    p_keys text[], p_books varchar[], p_codes varchar[], p_book_codes text[], p_ids int
) RETURNS TABLE (
    r_kind int, r_id bigint, r_balance bigint, r_version bigint, r_t1 text, r_t2 text,
    r_t3 text, r_t4 text, r_d1 date, r_d2 date, r_f1 boolean, r_f2 boolean
) LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan SET enable_seqscan = off
  SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
    RETURN QUERY
    WITH wanted AS MATERIALIZED (
        SELECT a.id, k.code AS book_code, a.code, a.currency, a.opened_on, a.closed_on
          FROM unnest(p_books, p_codes) AS w(book, code)
          JOIN ledger_books k ON k.code = w.book
          CROSS JOIN LATERAL (  -- OFFSET 0: one unique-index probe per pair
                SELECT * FROM ledger_accounts a
                 WHERE a.book_id = k.id AND a.code = w.code OFFSET 0
          ) a
    ), locked AS MATERIALIZED (
        -- One balance-row probe per account, locked in account-id order.
        SELECT w.id, w.book_code, w.code, w.currency, w.opened_on, w.closed_on,
               b.balance, b.version, b.head_hash,
               b.debits_must_not_exceed_credits, b.credits_must_not_exceed_debits
          FROM wanted w
          JOIN ledger_balances b ON b.account_id = w.id
         ORDER BY b.account_id
           FOR UPDATE OF b
    )
    SELECT 0, l.id::bigint, l.balance, l.version, l.book_code::text, l.code::text,
           l.currency::text, l.head_hash::text, l.opened_on, l.closed_on,
           l.debits_must_not_exceed_credits, l.credits_must_not_exceed_debits
      FROM locked l
    UNION ALL
    SELECT 1, e.id, NULL, NULL, e.idempotency_key::text, e.payload_hash::text,
           NULL, NULL, NULL, NULL, NULL, NULL
      FROM ledger_entries e WHERE e.idempotency_key = ANY(p_keys)
    UNION ALL
    SELECT 2, k.id::bigint, NULL, NULL, k.code::text, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL
      FROM ledger_books k WHERE k.code = ANY(p_book_codes)
    UNION ALL
    SELECT 3, nextval('ledger_entry_id_seq'), NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL
      FROM generate_series(1, p_ids);
END $$
"""

ENTRIES_INSERTED = """
CREATE OR REPLACE FUNCTION ledger_entries_inserted() RETURNS trigger LANGUAGE plpgsql
  SET enable_seqscan = off SET enable_bitmapscan = off SET enable_hashjoin = off
  SET enable_mergejoin = off SET work_mem = '64MB' AS $$
DECLARE
    v_unbalanced bigint;
    v_crossing bigint;
    v_first bigint;
    v_last bigint;
    v_count bigint;
BEGIN
    -- One pass over the new entries' postings serves every rule, the cached
    -- balances and the chain heads; books are checked once per distinct
    -- (book, account). Two texts of one query, so each keeps its own plan.
    SELECT count(*), min(id), max(id) INTO v_count, v_first, v_last FROM new_entries;
    IF v_count >= 1000 THEN
        -- A bulk statement: one range scan of the postings, joined by hash.
        PERFORM set_config('enable_hashjoin', 'on', true);  -- until the function returns
        WITH p AS MATERIALIZED (
            SELECT e.id, e.book_id, e.entry_hash, p.account_id, p.account_seq, p.currency, p.amount
              FROM new_entries e
              LEFT JOIN (SELECT p.entry_id, p.account_id, p.account_seq, p.currency, p.amount
                           FROM ledger_postings p
                          WHERE p.entry_id BETWEEN v_first AND v_last) p
                ON p.entry_id = e.id
        ), unbalanced AS (
            SELECT id FROM p GROUP BY id, currency
            HAVING count(account_id) = 0 OR sum(amount) <> 0
        ), crossing AS (
            SELECT u.first_entry AS id
              FROM (SELECT book_id, account_id, min(id) AS first_entry FROM p
                     WHERE account_id IS NOT NULL GROUP BY book_id, account_id) u
             CROSS JOIN LATERAL (SELECT a.book_id FROM ledger_accounts a
                                  WHERE a.id = u.account_id OFFSET 0) a
             WHERE a.book_id <> u.book_id
        ), moved AS (
            -- As below; the head is found by probes: the account's posting
            -- numbered last_seq is one of the new ones (account_seq is unique).
            UPDATE ledger_balances b
               SET balance = b.balance + h.total, version = b.version + h.n,
                   head_hash = (SELECT e.entry_hash FROM ledger_postings q
                                  JOIN ledger_entries e ON e.id = q.entry_id
                                 WHERE q.account_id = h.account_id AND q.account_seq = h.last_seq)
              FROM (SELECT account_id, sum(amount) AS total, count(*) AS n,
                           max(account_seq) AS last_seq
                      FROM p WHERE account_id IS NOT NULL
                     GROUP BY account_id ORDER BY account_id OFFSET 0) h
             WHERE b.account_id = h.account_id
            RETURNING 1
        )
        SELECT (SELECT min(id) FROM unbalanced), (SELECT min(id) FROM crossing)
          INTO v_unbalanced, v_crossing;
    ELSE
        WITH p AS MATERIALIZED (
            SELECT e.id, e.book_id, e.entry_hash, p.account_id, p.account_seq, p.currency, p.amount
              FROM new_entries e
              LEFT JOIN LATERAL (SELECT p.account_id, p.account_seq, p.currency, p.amount
                                   FROM ledger_postings p
                                  WHERE p.entry_id = e.id OFFSET 0) p ON true
        ), unbalanced AS (
            SELECT id FROM p GROUP BY id, currency
            HAVING count(account_id) = 0 OR sum(amount) <> 0
        ), crossing AS (
            SELECT u.first_entry AS id
              FROM (SELECT book_id, account_id, min(id) AS first_entry FROM p
                     WHERE account_id IS NOT NULL GROUP BY book_id, account_id) u
             CROSS JOIN LATERAL (SELECT a.book_id FROM ledger_accounts a
                                  WHERE a.id = u.account_id OFFSET 0) a
             WHERE a.book_id <> u.book_id
        ), moved AS (
            -- Each touched account's balance row, once: its balance and version
            -- move by the new postings, its chain head becomes the hash of the
            -- entry holding its highest-numbered one (rows in account-id order:
            -- the nested loop keeps the sorted outer side's order).
            UPDATE ledger_balances b
               SET balance = b.balance + h.total, version = b.version + h.n,
                   head_hash = h.entry_hash
              FROM (SELECT account_id, sum(amount) AS total, count(*) AS n,
                           (array_agg(entry_hash ORDER BY account_seq DESC))[1] AS entry_hash
                      FROM p WHERE account_id IS NOT NULL
                     GROUP BY account_id ORDER BY account_id OFFSET 0) h
             WHERE b.account_id = h.account_id
            RETURNING 1
        )
        SELECT (SELECT min(id) FROM unbalanced), (SELECT min(id) FROM crossing)
          INTO v_unbalanced, v_crossing;
    END IF;
    -- An unbalanced entry is reported before one that crosses books, as before
    -- (either way the statement fails, and the balance rows' update with it).
    IF v_unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'UNBALANCED: entry % has no postings or does not sum to zero',
            v_unbalanced USING ERRCODE = 'P0001';
    ELSIF v_crossing IS NOT NULL THEN
        RAISE EXCEPTION 'INVALID_ENTRY: entry % posts to an account of another book',
            v_crossing USING ERRCODE = 'P0001';
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(LEDGER_LOCK)
        op.execute(ENTRIES_INSERTED)


def downgrade() -> None:
    """Back to 0001's ``ledger_lock`` and 0009's entries trigger."""
    if op.get_bind().dialect.name != "postgresql":
        return
    first = revision_module("0001_ledger")
    (original,) = (s for s in first.POSTGRESQL_GUARDS if "FUNCTION ledger_lock(" in s)
    op.execute(original.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    op.execute(revision_module("0009_ledger_set_based_keys").ENTRIES_INSERTED)
