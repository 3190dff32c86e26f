"""Range checks for bulk postings statements and their commit (PostgreSQL).

Revision ID: 0012_ledger_range_checks
Revises: 0011_ledger_bulk_storage
Create Date: 2026-11-29

Why: two of the postings' rules were checked with one index probe per entry
id, which for a bulk post of 100,000 entries is 200,000 probes of
``ledger_entries``, each with a heap visit:

* **Postings are never added to an entry already written** (postings
  trigger): the entry ids of a statement's postings are fresh from the
  sequence as a rule, so one probe for any entry inside the statement's id
  range settles it. Only when there is one (ids interleave across writers,
  or someone tries it) is every id probed as before. About 0.1 s of a
  100,000-entry post.
* **A posting never outlives its transaction without its entry** (the
  deferred check at commit, migration 0009): every visible entry has postings
  under its own id, since the entries trigger refuses an entry without any,
  so a range holds as many entries as distinct posting entry ids exactly when
  no posting lacks its entry. Two range scans in index order replace a probe
  per id; the probes run only to name the culprit. The commit of a
  100,000-entry post went from 0.11 s to 0.045 s.

Same rules, messages and SQLSTATEs. (A superuser who deleted every posting of
an entry, guards dropped, could make the counts agree around a missing entry;
``riskpool verify`` reports that entry.) Both functions keep ``jit = off``
(migration 0011), which ``CREATE OR REPLACE`` would otherwise reset.
"""

from __future__ import annotations

from alembic import op

from riskpool.migrate import revision_module

revision = "0012_ledger_range_checks"
down_revision = "0011_ledger_bulk_storage"
branch_labels = None
depends_on = None

POSTINGS_INSERTED = """
CREATE OR REPLACE FUNCTION ledger_postings_inserted() RETURNS trigger LANGUAGE plpgsql
  SET enable_seqscan = off SET enable_bitmapscan = off SET enable_hashjoin = off
  SET enable_mergejoin = off SET jit = off AS $$
DECLARE
    v_account bigint;
    v_currency text;
    v_actual text;
    v_entry bigint;
    v_first bigint;
    v_last bigint;
BEGIN
    -- Each posting's account exists and is in the posting's currency.
    SELECT n.account_id, n.currency, a.currency INTO v_account, v_currency, v_actual
      FROM (SELECT DISTINCT account_id, currency FROM new_postings) n
      LEFT JOIN LATERAL (SELECT a.currency FROM ledger_accounts a
                          WHERE a.id = n.account_id OFFSET 0) a ON true
     WHERE a.currency IS DISTINCT FROM n.currency
     LIMIT 1;
    IF FOUND AND v_actual IS NULL THEN
        RAISE EXCEPTION 'INVALID_ENTRY: posting to account %, which does not exist', v_account
            USING ERRCODE = '23503';
    ELSIF FOUND THEN
        RAISE EXCEPTION 'CURRENCY_MISMATCH: account % is in %, not %',
            v_account, v_actual, v_currency USING ERRCODE = '23503';
    END IF;
    -- Postings are never added to an entry already written. Their entry ids
    -- are fresh from the sequence as a rule, so one probe of the statement's
    -- id range settles it; only when an entry exists inside that range (ids
    -- interleave across writers) is each id probed.
    SELECT min(entry_id), max(entry_id) INTO v_first, v_last FROM new_postings;
    IF EXISTS (SELECT 1 FROM ledger_entries e WHERE e.id BETWEEN v_first AND v_last) THEN
        SELECT n.entry_id INTO v_entry
          FROM (SELECT DISTINCT entry_id FROM new_postings) n
         CROSS JOIN LATERAL (SELECT 1 FROM ledger_entries e WHERE e.id = n.entry_id OFFSET 0) posted
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'INVALID_ENTRY: postings cannot be added to a posted entry'
                USING ERRCODE = 'P0001';
        END IF;
    END IF;
    -- ... and their entries must be there at commit (ledger_posting_batch_closed).
    -- The cached balances move when the entries arrive (ledger_entries_inserted).
    INSERT INTO ledger_posting_batches (first_entry, last_entry) VALUES (v_first, v_last);
    RETURN NULL;
END $$
"""

BATCH_CLOSED = """
CREATE OR REPLACE FUNCTION ledger_posting_batch_closed() RETURNS trigger LANGUAGE plpgsql
  SET enable_seqscan = off SET enable_bitmapscan = off SET enable_hashjoin = off
  SET enable_mergejoin = off SET jit = off AS $$
DECLARE
    v_entry bigint;
BEGIN
    -- Other transactions' postings in the range are either invisible
    -- (uncommitted) or committed with their entries: only this transaction's
    -- own postings can be found without one. Every visible entry has postings
    -- under its own id (the entries trigger refuses one without), so the range
    -- holds as many entries as distinct posting entry ids exactly when none is
    -- missing: two index range scans, and the probes only to name the culprit.
    IF (SELECT count(*) FROM (SELECT DISTINCT p.entry_id FROM ledger_postings p
                               WHERE p.entry_id BETWEEN NEW.first_entry AND NEW.last_entry) p)
       <> (SELECT count(*) FROM ledger_entries e
            WHERE e.id BETWEEN NEW.first_entry AND NEW.last_entry) THEN
        SELECT p.entry_id INTO v_entry
          FROM (SELECT DISTINCT p.entry_id FROM ledger_postings p
                 WHERE p.entry_id BETWEEN NEW.first_entry AND NEW.last_entry) p
         WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.id = p.entry_id)
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'UNBALANCED: the postings of entry % were written without it',
                v_entry USING ERRCODE = '23503';
        END IF;
    END IF;
    DELETE FROM ledger_posting_batches WHERE id = NEW.id;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTINGS_INSERTED)
        op.execute(BATCH_CLOSED)


def downgrade() -> None:
    """0009's two functions again, with 0011's ``jit = off``."""
    if op.get_bind().dialect.name != "postgresql":
        return
    keys = revision_module("0009_ledger_set_based_keys")
    (closed,) = (s for s in keys.GUARDS if "CREATE FUNCTION ledger_posting_batch_closed()" in s)
    op.execute(keys.POSTINGS_INSERTED)
    op.execute(closed.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    for function in ("ledger_postings_inserted()", "ledger_posting_batch_closed()"):
        op.execute(f"ALTER FUNCTION {function} SET jit = off")
