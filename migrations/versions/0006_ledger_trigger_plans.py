"""Ledger triggers whose plans cannot go wrong (PostgreSQL).

Revision ID: 0006_ledger_trigger_plans
Revises: 0005_data_version
Create Date: 2026-11-29

Why: the statement triggers of 0001 join their transition tables to
``ledger_balances``, ``ledger_postings``, ``ledger_entries`` and
``ledger_accounts``, and PL/pgSQL plans each of those queries once per session,
with the row counts of the call it first ran for. Two bad plans were measured:

* a hash join over a *sequential scan* of ``ledger_balances`` — small, but every
  post rewrites two of its rows, so between autovacuum runs it is mostly dead
  row versions that each post read through (16 concurrent writers spent half
  their server time there);
* a nested loop that reads the whole of ``ledger_entries`` for every posting of
  a 20,000-row ``COPY`` (minutes instead of milliseconds), whether by a
  sequential scan or, with those disabled, a full index scan on the outer side.

A third trap made the second one likely: statistics taken while a table was
empty (a fresh database after ``ANALYZE``) make a sequential scan look free,
and the session keeps that plan while the table grows.

The rewritten functions fix the plan's shape instead of hoping for estimates:
every join is driven from the transition table and probes a unique or
``entry_id`` index through ``LATERAL (… OFFSET 0)`` (which the planner cannot
flatten or reorder), sequential scans are off inside them (as in
``ledger_lock``), and balance rows are updated one primary-key probe per
account. A statement therefore costs in proportion to its own rows, never to
the size of a table. The rules, messages and error codes are those of 0001,
unchanged; only how the rows are found changes.
"""

from __future__ import annotations

from alembic import op

from riskpool.migrate import revision_module

revision = "0006_ledger_trigger_plans"
down_revision = "0005_data_version"
branch_labels = None
depends_on = None

POSTINGS_INSERTED = """
CREATE OR REPLACE FUNCTION ledger_postings_inserted() RETURNS trigger LANGUAGE plpgsql
  SET enable_seqscan = off AS $$
DECLARE
    r record;
BEGIN
    IF EXISTS (SELECT 1 FROM new_postings n
                CROSS JOIN LATERAL (SELECT 1 FROM ledger_entries e
                                     WHERE e.id = n.entry_id OFFSET 0) posted) THEN
        RAISE EXCEPTION 'INVALID_ENTRY: postings cannot be added to a posted entry'
            USING ERRCODE = 'P0001';
    END IF;
    FOR r IN SELECT account_id, sum(amount) AS total, count(*) AS n
               FROM new_postings GROUP BY account_id ORDER BY account_id
    LOOP
        UPDATE ledger_balances
           SET balance = balance + r.total, version = version + r.n
         WHERE account_id = r.account_id;
    END LOOP;
    RETURN NULL;
END $$
"""

ENTRIES_INSERTED = """
CREATE OR REPLACE FUNCTION ledger_entries_inserted() RETURNS trigger LANGUAGE plpgsql
  SET enable_seqscan = off AS $$
DECLARE
    bad bigint;
    r record;
BEGIN
    SELECT e.id INTO bad
      FROM new_entries e
      LEFT JOIN LATERAL (SELECT p.id, p.currency, p.amount FROM ledger_postings p
                          WHERE p.entry_id = e.id OFFSET 0) p ON true
     GROUP BY e.id, p.currency
    HAVING count(p.id) = 0 OR sum(p.amount) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'UNBALANCED: entry % has no postings or does not sum to zero', bad
            USING ERRCODE = 'P0001';
    END IF;
    SELECT e.id INTO bad
      FROM new_entries e
     CROSS JOIN LATERAL (SELECT p.account_id FROM ledger_postings p
                          WHERE p.entry_id = e.id OFFSET 0) p
     CROSS JOIN LATERAL (SELECT a.book_id FROM ledger_accounts a
                          WHERE a.id = p.account_id OFFSET 0) a
     WHERE a.book_id <> e.book_id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'INVALID_ENTRY: entry % posts to an account of another book', bad
            USING ERRCODE = 'P0001';
    END IF;
    -- Chain heads: each touched account's head is the hash of the entry
    -- holding its highest-numbered posting among the new entries.
    FOR r IN SELECT DISTINCT ON (p.account_id) p.account_id, e.entry_hash
               FROM new_entries e
              CROSS JOIN LATERAL (SELECT p.account_id, p.account_seq FROM ledger_postings p
                                   WHERE p.entry_id = e.id OFFSET 0) p
              ORDER BY p.account_id, p.account_seq DESC
    LOOP
        UPDATE ledger_balances SET head_hash = r.entry_hash WHERE account_id = r.account_id;
    END LOOP;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(POSTINGS_INSERTED)
    op.execute(ENTRIES_INSERTED)


def downgrade() -> None:
    """Back to 0001's bodies of the two functions (taken from that migration)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    first = revision_module("0001_ledger")
    for statement in first.POSTGRESQL_GUARDS:
        text = statement.strip()
        for name in ("ledger_postings_inserted()", "ledger_entries_inserted()"):
            if text.startswith(f"CREATE FUNCTION {name}"):
                op.execute(text.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
