"""Ledger triggers plan with index probes only (PostgreSQL).

Revision ID: 0006_ledger_trigger_plans
Revises: 0005_data_version
Create Date: 2026-11-29

Why: the statement triggers of 0001 join their transition tables to
``ledger_balances``, ``ledger_postings`` and ``ledger_accounts``. Left to
itself the planner often chose a hash join over a *sequential scan* of
``ledger_balances``: the table is small but every post rewrites two of its
rows, so between autovacuum runs it is mostly dead row versions, and each
post paid for reading all of them — its cost grew with the number of accounts
and with the write rate, and 16 concurrent writers spent half their server
time there (measured in ``docs/benchmarks.md``). With sequential scans
disabled inside the two trigger functions (as ``ledger_lock`` already is) the
joins probe the primary keys and ``ix_ledger_postings_entry_id``: the cost of
a post no longer depends on the size of any table, and a bulk batch does one
index probe per row, which beats scanning a postings table of millions of
rows. Only the planning changes; the rules the triggers enforce do not.
"""

from __future__ import annotations

from alembic import op

revision = "0006_ledger_trigger_plans"
down_revision = "0005_data_version"
branch_labels = None
depends_on = None

_FUNCTIONS = ("ledger_postings_inserted()", "ledger_entries_inserted()")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for function in _FUNCTIONS:
        op.execute(f"ALTER FUNCTION {function} SET enable_seqscan = off")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for function in _FUNCTIONS:
        op.execute(f"ALTER FUNCTION {function} RESET enable_seqscan")
