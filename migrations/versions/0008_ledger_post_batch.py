"""Many independent entries, one database call: ``ledger_post_batch`` (PostgreSQL).

Revision ID: 0008_ledger_post_batch
Revises: 0007_ledger_post
Create Date: 2026-11-29

Why: concurrent single posts paid, each, for a statement, a transaction and
one firing of each statement-level trigger; those fixed costs, not the rows,
were most of the server's work per post. ``ledger_post_batch`` posts several
*independent* requests in one statement (one transaction, one firing of each
trigger), which is how :mod:`riskpool.ledger.grouping` commits the posts that
arrive while another is in flight (group commit).

Independent means each entry keeps the outcome it would have had alone, in
request order: a replayed key returns the stored entry's id and payload hash;
an entry a rule refuses is skipped (nothing of it written) and its accounts'
state returned, so the service raises the same typed error as on its other
paths; the rest are sealed in order against the accounts' running state
(sequence numbers, balances after, chain heads), so entry *k* chains onto
entry *j < k* of the same call exactly as if posted one after the other. A
single call with one entry is what ``ledger_post`` (0007) did; this
replaces it.

The two statement triggers change too: each moves its balance rows with one
``UPDATE … FROM`` (rows in account-id order) instead of one ``UPDATE`` per
account, and the entries trigger checks the sums and the books in one pass
over the new postings. Per account, an ``UPDATE`` started an executor and
re-read the table's ``CHECK`` expressions; a call of 8 entries paid that 32
times. The rules, messages and error codes are those of 0006; the nested-loop
shape (index probes driven from the transition tables, whatever the table
statistics) is kept by turning hash and merge joins off in both functions.

Like 0007 it holds no rule of its own: the triggers and constraints check
the rows it writes as they check any insert, ``verify`` recomputes its hashes
in Python, and the entry encoding around the locked values is
:func:`riskpool.ledger.hashing.seal_fragments` (``p_seals``, four per entry).

Arguments: per entry (``n``) the key, payload hash, book, effective date,
description, metadata (canonical JSON text), actor, reversed entry, the number
of legs and four seal fragments; per leg (flattened, in request order) its
book, account code, currency and amount; one booking time for the call.
Returns one row of arrays, per entry in request order ``r_status``,
``r_entry`` and ``r_hash``, and per leg (flattened like the arguments)
``r_account`` and the rest. An entry is ``posted`` (its id and hash; its legs'
sequence numbers, balances after and previous hashes), a ``replay`` (the
stored entry's id and payload hash; nothing written), ``refused`` (its legs'
accounts' currency, dates, balance and flags as the entry found them; nothing
written) or of an ``unknown book``. One row of arrays rather than a row per
entry: PL/pgSQL then sets a handful of array elements per entry instead of
resetting and returning thirteen columns.
"""

from __future__ import annotations

from alembic import op

from riskpool.migrate import revision_module

revision = "0008_ledger_post_batch"
down_revision = "0007_ledger_post"
branch_labels = None
depends_on = None

LEDGER_POST_BATCH = r"""
CREATE FUNCTION ledger_post_batch(
    p_keys text[], p_payloads text[], p_books text[], p_dates date[],
    p_descriptions text[], p_metadata text[], p_actors text[], p_reverses bigint[],
    p_legs int[], p_seals text[],
    p_leg_books text[], p_codes text[], p_currencies text[], p_amounts bigint[],
    p_booked timestamptz,
    OUT r_status text[], OUT r_entry bigint[], OUT r_hash text[],
    OUT r_account bigint[], OUT r_seq bigint[], OUT r_after bigint[], OUT r_prev text[],
    OUT r_currency text[], OUT r_opened date[], OUT r_closed date[], OUT r_balance bigint[],
    OUT r_dmnec boolean[], OUT r_cmned boolean[]
) LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
    n int := cardinality(p_keys);
    m int := cardinality(p_codes);
    -- keys already used: key, entry id, payload hash
    x_keys text[]; x_ids bigint[]; x_payloads text[];
    -- books by code
    k_codes text[]; k_ids bigint[];
    -- the accounts, locked, and their running state (parallel arrays)
    a_id bigint[] := '{}'; a_currency text[] := '{}'; a_opened date[] := '{}';
    a_closed date[] := '{}'; a_balance bigint[] := '{}'; a_version bigint[] := '{}';
    a_head text[] := '{}'; a_dmnec boolean[] := '{}'; a_cmned boolean[] := '{}';
    e_book bigint[];        -- per entry: its book's id, once posted
    l_entry bigint[];       -- per leg: its entry's id, once posted
    v_slot int[] := '{}';   -- per leg of the entry at hand: its account's index in a_id
    v_book bigint;
    v_ok boolean;
    v_legs text;
    v_id bigint;
    v_hash text;
    v_first int := 0;       -- legs of the entries before this one
    i int; t int; s int; k int; j int;
    r record;
BEGIN
    r_status := array_fill(NULL::text, ARRAY[n]); r_hash := r_status;
    r_entry := array_fill(NULL::bigint, ARRAY[n]); e_book := r_entry;
    r_seq := array_fill(NULL::bigint, ARRAY[m]); r_after := r_seq; r_balance := r_seq;
    l_entry := r_seq;
    r_prev := array_fill(NULL::text, ARRAY[m]); r_currency := r_prev;
    r_opened := array_fill(NULL::date, ARRAY[m]); r_closed := r_opened;
    r_dmnec := array_fill(NULL::boolean, ARRAY[m]); r_cmned := r_dmnec;
    SELECT array_agg(e.idempotency_key), array_agg(e.id), array_agg(e.payload_hash)
      INTO x_keys, x_ids, x_payloads
      FROM unnest(p_keys) AS w(key)
     CROSS JOIN LATERAL (SELECT e.idempotency_key, e.id, e.payload_hash
                           FROM ledger_entries e WHERE e.idempotency_key = w.key OFFSET 0) e;
    SELECT array_agg(b.code), array_agg(b.id) INTO k_codes, k_ids
      FROM (SELECT DISTINCT code FROM unnest(p_books) AS w(code)) w
     CROSS JOIN LATERAL (SELECT b.code, b.id FROM ledger_books b
                          WHERE b.code = w.code OFFSET 0) b;
    -- Each leg's account, its balance row locked in account-id order (LockRows
    -- above the sort; a row met again is already ours), the values read from
    -- the locked rows (see ledger_lock's comment in 0001). Legs whose account
    -- is unknown keep a NULL account.
    r_account := array_fill(NULL::bigint, ARRAY[m]);
    FOR r IN
        SELECT w.ord, a.id, a.currency, a.opened_on, a.closed_on, b.balance, b.version,
               b.head_hash, b.debits_must_not_exceed_credits AS dmnec,
               b.credits_must_not_exceed_debits AS cmned
          FROM unnest(p_leg_books, p_codes) WITH ORDINALITY AS w(book, code, ord)
          JOIN unnest(k_codes, k_ids) AS k(code, id) ON k.code = w.book
         CROSS JOIN LATERAL (SELECT a.* FROM ledger_accounts a
                              WHERE a.book_id = k.id AND a.code = w.code OFFSET 0) a
          JOIN ledger_balances b ON b.account_id = a.id
         ORDER BY a.id
           FOR UPDATE OF b
    LOOP
        r_account[r.ord] := r.id;
        CONTINUE WHEN r.id = a_id[cardinality(a_id)];
        a_id := a_id || r.id; a_currency := a_currency || r.currency;
        a_opened := a_opened || r.opened_on; a_closed := a_closed || r.closed_on;
        a_balance := a_balance || r.balance; a_version := a_version || r.version;
        a_head := a_head || r.head_hash; a_dmnec := a_dmnec || r.dmnec;
        a_cmned := a_cmned || r.cmned;
    END LOOP;

    FOR i IN 1 .. n LOOP
        k := p_legs[i];
        j := array_position(x_keys, p_keys[i]);
        IF j IS NOT NULL THEN
            r_status[i] := 'replay'; r_entry[i] := x_ids[j]; r_hash[i] := x_payloads[j];
            v_first := v_first + k;
            CONTINUE;
        END IF;
        v_book := k_ids[array_position(k_codes, p_books[i])];
        IF v_book IS NULL THEN
            r_status[i] := 'unknown book';
            v_first := v_first + k;
            CONTINUE;
        END IF;
        v_ok := true;
        FOR t IN v_first + 1 .. v_first + k LOOP
            s := array_position(a_id, r_account[t]);
            v_slot[t - v_first] := s;
            IF s IS NULL
               OR a_currency[s] <> p_currencies[t]
               OR a_opened[s] > p_dates[i] OR a_closed[s] < p_dates[i]
               OR (a_cmned[s] AND a_balance[s] + p_amounts[t] < 0)
               OR (a_dmnec[s] AND a_balance[s] + p_amounts[t] > 0) THEN
                v_ok := false;
            END IF;
        END LOOP;
        IF NOT v_ok THEN
            -- The state the entry found, for the service's own checks to word.
            r_status[i] := 'refused';
            FOR t IN v_first + 1 .. v_first + k LOOP
                s := v_slot[t - v_first];
                CONTINUE WHEN s IS NULL;
                r_currency[t] := a_currency[s]; r_opened[t] := a_opened[s];
                r_closed[t] := a_closed[s]; r_balance[t] := a_balance[s];
                r_dmnec[t] := a_dmnec[s]; r_cmned[t] := a_cmned[s];
            END LOOP;
            v_first := v_first + k;
            CONTINUE;
        END IF;
        v_id := nextval('ledger_entry_id_seq');
        FOR t IN v_first + 1 .. v_first + k LOOP
            s := v_slot[t - v_first];
            r_seq[t] := a_version[s] + 1;
            r_after[t] := a_balance[s] + p_amounts[t];
            r_prev[t] := a_head[s];
        END LOOP;
        -- The legs as hashing.leg_text writes them, in account-id order.
        IF k = 2 THEN
            t := v_first + 1;
            IF r_account[t] > r_account[t + 1] THEN
                t := t + 1;
            END IF;
            j := 2 * v_first + 3 - t;  -- the other leg
            v_legs := '[' || r_account[t] || ',' || to_json(p_currencies[t])::text || ','
                || p_amounts[t] || ',' || r_seq[t] || ',' || r_after[t] || ','
                || to_json(r_prev[t])::text || '],[' || r_account[j] || ','
                || to_json(p_currencies[j])::text || ',' || p_amounts[j] || ',' || r_seq[j]
                || ',' || r_after[j] || ',' || to_json(r_prev[j])::text || ']';
        ELSE
            SELECT string_agg('[' || u.account || ',' || to_json(u.currency)::text || ','
                              || u.amount || ',' || u.seq || ',' || u.after || ','
                              || to_json(u.prev)::text || ']', ',' ORDER BY u.account)
              INTO v_legs
              FROM unnest(r_account[v_first + 1 : v_first + k],
                          p_currencies[v_first + 1 : v_first + k],
                          p_amounts[v_first + 1 : v_first + k], r_seq[v_first + 1 : v_first + k],
                          r_after[v_first + 1 : v_first + k], r_prev[v_first + 1 : v_first + k])
                   AS u(account, currency, amount, seq, after, prev);
        END IF;
        v_hash := encode(sha256(convert_to(
            p_seals[4 * i - 3] || v_book || p_seals[4 * i - 2] || v_id
            || p_seals[4 * i - 1] || v_legs || p_seals[4 * i], 'UTF8')), 'hex');
        FOR t IN v_first + 1 .. v_first + k LOOP
            s := v_slot[t - v_first];
            a_balance[s] := r_after[t]; a_version[s] := r_seq[t]; a_head[s] := v_hash;
            l_entry[t] := v_id;
        END LOOP;
        r_status[i] := 'posted'; r_entry[i] := v_id; r_hash[i] := v_hash; e_book[i] := v_book;
        v_first := v_first + k;
    END LOOP;

    IF 'posted' = ANY (r_status) THEN
        INSERT INTO ledger_postings (entry_id, account_id, currency, amount, account_seq,
                                     balance_after, prev_hash)
        SELECT u.entry, u.account, u.currency, u.amount, u.seq, u.after, u.prev
          FROM unnest(l_entry, r_account, p_currencies, p_amounts, r_seq, r_after, r_prev)
               AS u(entry, account, currency, amount, seq, after, prev)
         WHERE u.entry IS NOT NULL;
        INSERT INTO ledger_entries (id, book_id, effective_date, booked_at, description,
                                    metadata, idempotency_key, payload_hash, actor,
                                    reverses_entry_id, entry_hash)
        SELECT u.id, u.book, u.day, p_booked, u.description, u.metadata::json, u.key,
               u.payload, u.actor, u.reverses, u.hash
          FROM unnest(r_status, r_entry, e_book, p_dates, p_descriptions, p_metadata, p_keys,
                      p_payloads, p_actors, p_reverses, r_hash)
               AS u(status, id, book, day, description, metadata, key, payload, actor,
                    reverses, hash)
         WHERE u.status = 'posted';
    END IF;
END $$
"""


POSTINGS_INSERTED = """
CREATE OR REPLACE FUNCTION ledger_postings_inserted() RETURNS trigger LANGUAGE plpgsql
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_postings n
                CROSS JOIN LATERAL (SELECT 1 FROM ledger_entries e
                                     WHERE e.id = n.entry_id OFFSET 0) posted) THEN
        RAISE EXCEPTION 'INVALID_ENTRY: postings cannot be added to a posted entry'
            USING ERRCODE = 'P0001';
    END IF;
    -- One statement for every account, rows updated in account-id order (the
    -- nested loop keeps the sorted outer side's order).
    UPDATE ledger_balances b
       SET balance = b.balance + t.total, version = b.version + t.n
      FROM (SELECT account_id, sum(amount) AS total, count(*) AS n
              FROM new_postings GROUP BY account_id ORDER BY account_id OFFSET 0) t
     WHERE b.account_id = t.account_id;
    RETURN NULL;
END $$
"""

ENTRIES_INSERTED = """
CREATE OR REPLACE FUNCTION ledger_entries_inserted() RETURNS trigger LANGUAGE plpgsql
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $$
DECLARE
    bad bigint;
    unbalanced boolean;
BEGIN
    -- Both rules in one pass over the new entries' postings; an unbalanced
    -- entry is reported before one that crosses books, as before.
    SELECT e.id, count(p.account_id) = 0 OR sum(p.amount) <> 0 INTO bad, unbalanced
      FROM new_entries e
      LEFT JOIN LATERAL (SELECT p.account_id, p.currency, p.amount FROM ledger_postings p
                          WHERE p.entry_id = e.id OFFSET 0) p ON true
      LEFT JOIN LATERAL (SELECT a.book_id FROM ledger_accounts a
                          WHERE a.id = p.account_id OFFSET 0) a ON true
     GROUP BY e.id, e.book_id, p.currency
    HAVING count(p.account_id) = 0 OR sum(p.amount) <> 0 OR bool_or(a.book_id <> e.book_id)
     ORDER BY 2 DESC, 1
     LIMIT 1;
    IF FOUND AND unbalanced THEN
        RAISE EXCEPTION 'UNBALANCED: entry % has no postings or does not sum to zero', bad
            USING ERRCODE = 'P0001';
    ELSIF FOUND THEN
        RAISE EXCEPTION 'INVALID_ENTRY: entry % posts to an account of another book', bad
            USING ERRCODE = 'P0001';
    END IF;
    -- Chain heads: each touched account's head is the hash of the entry
    -- holding its highest-numbered posting among the new entries.
    UPDATE ledger_balances b
       SET head_hash = h.entry_hash
      FROM (SELECT DISTINCT ON (p.account_id) p.account_id, e.entry_hash
              FROM new_entries e
             CROSS JOIN LATERAL (SELECT p.account_id, p.account_seq FROM ledger_postings p
                                  WHERE p.entry_id = e.id OFFSET 0) p
             ORDER BY p.account_id, p.account_seq DESC OFFSET 0) h
     WHERE b.account_id = h.account_id;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(LEDGER_POST_BATCH)
        op.execute("DROP FUNCTION ledger_post")
        op.execute(POSTINGS_INSERTED)
        op.execute(ENTRIES_INSERTED)


def downgrade() -> None:
    """Back to ``ledger_post`` (0007) and 0006's trigger bodies."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS ledger_post_batch")
    op.execute(revision_module("0007_ledger_post").LEDGER_POST)
    plans = revision_module("0006_ledger_trigger_plans")
    op.execute(plans.POSTINGS_INSERTED)
    op.execute(plans.ENTRIES_INSERTED)
