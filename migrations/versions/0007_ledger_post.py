"""One entry, one database call: ``ledger_post`` (PostgreSQL).

Revision ID: 0007_ledger_post
Revises: 0006_ledger_trigger_plans
Create Date: 2026-11-29

Why: a single post used to be BEGIN, ``ledger_lock``, sealing in Python,
``ledger_write``, COMMIT — four round trips, because the entry's hash covers
values only known once the balance rows are locked (each account's sequence
number, balance after and chain head). ``ledger_post`` takes the entry's
canonical encoding *around* those values (four text fragments built by
:func:`riskpool.ledger.hashing.seal_fragments`, the same function the Python
seal uses), locks, fills them in, hashes with ``sha256`` and writes — one
statement, atomic on its own, so outside a transaction it needs neither BEGIN
nor COMMIT. Like ``ledger_lock``/``ledger_write`` it is a convenience and
holds no rule: the triggers and constraints check what it writes exactly as
they check any other insert, and ``verify`` recomputes its hashes in Python.

It returns one row: ``r_status`` is ``posted`` (with the entry id, its hash
and per leg, in request order, the account id, sequence number, balance after
and previous hash), ``replay`` (the key is taken: ``r_entry`` and its payload
hash in ``r_hash``; nothing written) or ``refused`` (nothing written; the
accounts' state per leg, so the service raises the same typed error, with the
same message, as on its batch path).
"""

from __future__ import annotations

from alembic import op

revision = "0007_ledger_post"
down_revision = "0006_ledger_trigger_plans"
branch_labels = None
depends_on = None

LEDGER_POST = """
CREATE FUNCTION ledger_post(
    p_key text, p_payload text, p_book text, p_codes text[], p_currencies text[],
    p_amounts bigint[], p_date date, p_booked timestamptz, p_description text,
    p_metadata text, p_actor text, p_reverses bigint, p_seal text[],
    OUT r_status text, OUT r_entry bigint, OUT r_hash text,
    OUT r_account bigint[], OUT r_seq bigint[], OUT r_after bigint[], OUT r_prev text[],
    OUT r_currency text[], OUT r_opened date[], OUT r_closed date[], OUT r_balance bigint[],
    OUT r_dmnec boolean[], OUT r_cmned boolean[]
) LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
    v_book bigint;
    v_n int := cardinality(p_codes);
    v_found int := 0;
    v_ok boolean := true;
    v_legs text;
    r record;
BEGIN
    SELECT e.id, e.payload_hash INTO r_entry, r_hash
      FROM ledger_entries e WHERE e.idempotency_key = p_key;
    IF FOUND THEN
        r_status := 'replay';
        RETURN;
    END IF;
    r_status := 'refused';
    SELECT k.id INTO v_book FROM ledger_books k WHERE k.code = p_book;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- Per leg, in request order (array_fill: lower bound 1 whatever is found).
    r_account := array_fill(NULL::bigint, ARRAY[v_n]);
    r_seq := r_account;
    r_after := r_account;
    r_balance := r_account;
    r_prev := array_fill(NULL::text, ARRAY[v_n]);
    r_currency := r_prev;
    r_opened := array_fill(NULL::date, ARRAY[v_n]);
    r_closed := r_opened;
    r_dmnec := array_fill(NULL::boolean, ARRAY[v_n]);
    r_cmned := r_dmnec;
    -- Balance rows locked in account-id order (LockRows sits above the sort),
    -- their values read from the locked rows (see ledger_lock's comment).
    FOR r IN
        SELECT w.ord, a.id, a.currency, a.opened_on, a.closed_on, b.balance, b.version,
               b.head_hash, b.debits_must_not_exceed_credits AS dmnec,
               b.credits_must_not_exceed_debits AS cmned
          FROM unnest(p_codes) WITH ORDINALITY AS w(code, ord)
          JOIN ledger_accounts a ON a.book_id = v_book AND a.code = w.code
          JOIN ledger_balances b ON b.account_id = a.id
         ORDER BY a.id
           FOR UPDATE OF b
    LOOP
        v_found := v_found + 1;
        r_account[r.ord] := r.id;
        r_currency[r.ord] := r.currency;
        r_opened[r.ord] := r.opened_on;
        r_closed[r.ord] := r.closed_on;
        r_balance[r.ord] := r.balance;
        r_dmnec[r.ord] := r.dmnec;
        r_cmned[r.ord] := r.cmned;
        r_seq[r.ord] := r.version + 1;
        r_after[r.ord] := r.balance + p_amounts[r.ord];
        r_prev[r.ord] := r.head_hash;
        IF r.currency <> p_currencies[r.ord]
           OR r.opened_on > p_date OR r.closed_on < p_date
           OR (r.cmned AND r.balance + p_amounts[r.ord] < 0)
           OR (r.dmnec AND r.balance + p_amounts[r.ord] > 0) THEN
            v_ok := false;
        END IF;
    END LOOP;
    IF v_found < v_n OR NOT v_ok THEN
        RETURN;
    END IF;
    r_entry := nextval('ledger_entry_id_seq');
    -- The legs as hashing.entry_hash encodes them, in account-id order.
    SELECT string_agg('[' || u.account || ',' || to_json(u.currency)::text || ',' || u.amount
                      || ',' || u.seq || ',' || u.after || ',' || to_json(u.prev)::text || ']',
                      ',' ORDER BY u.account)
      INTO v_legs
      FROM unnest(r_account, p_currencies, p_amounts, r_seq, r_after, r_prev)
           AS u(account, currency, amount, seq, after, prev);
    r_hash := encode(sha256(convert_to(
        p_seal[1] || v_book || p_seal[2] || r_entry || p_seal[3] || v_legs || p_seal[4],
        'UTF8')), 'hex');
    INSERT INTO ledger_postings (entry_id, account_id, currency, amount, account_seq,
                                 balance_after, prev_hash)
    SELECT r_entry, u.account, u.currency, u.amount, u.seq, u.after, u.prev
      FROM unnest(r_account, p_currencies, p_amounts, r_seq, r_after, r_prev)
           AS u(account, currency, amount, seq, after, prev);
    INSERT INTO ledger_entries (id, book_id, effective_date, booked_at, description, metadata,
                                idempotency_key, payload_hash, actor, reverses_entry_id,
                                entry_hash)
    VALUES (r_entry, v_book, p_date, p_booked, p_description, p_metadata::json, p_key,
            p_payload, p_actor, p_reverses, r_hash);
    r_status := 'posted';
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(LEDGER_POST)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_post")
