"""Storage for bulk writes: no JIT in the ledger's functions, room for balance-row
versions, cached posting ids (PostgreSQL).

Revision ID: 0011_ledger_bulk_storage
Revises: 0010_ledger_bulk_plans
Create Date: 2026-11-29

Why: PostgreSQL JIT-compiles a statement whose estimated cost passes
``jit_above_cost`` (100,000 by default, and JIT is on by default). The ledger's
functions plan with sequential scans (and some joins) switched off, and with
statistics taken while the tables were small, so their estimates run far past
that threshold once a transaction holds many rows, though every plan they run
is a handful of index probes. The compilation then costs more than the work:
an entries statement of 812 rows after a 99,000-entry ``COPY`` took 0.35 s, of
which 0.31 s was JIT (inlining, optimisation and emission of 53 functions),
and 0.035 s without it. These are short OLTP statements, which JIT never
pays off for, so each function turns it off for its own duration. Nothing
else changes: the same plans, rules, messages and results.

The balance rows get ``fillfactor = 20``. Every entries statement updates the
balance row of each account it touches, and a bulk post is several statements
in one transaction, so each row gathers a version per statement that nothing
can prune before the commit. With full pages, every version after the first
went to another page (a non-HOT update, a new index entry): the lookups of
later statements walked ever longer chains through the primary key, about
0.1 s of a 100,000-entry post over 2,000 accounts. A fifth-full page keeps a
few versions of each of its rows next to it. The table has one small row per
account, so the space is negligible; rows written before this revision keep
their pages until ``VACUUM FULL ledger_balances`` rewrites them.

The postings' id sequence caches 1,000 values per session: a bulk ``COPY``
takes an id per posting, and an uncached ``nextval`` locks the sequence's page
each time (and logs every 32nd value). A posting's id only orders the postings
of one entry, which one session writes in one statement, so the gaps and the
interleaving of sessions' blocks a cache brings change nothing that is read.
(Entry ids stay uncached: they order a book's entries.)
"""

from __future__ import annotations

from alembic import op

revision = "0011_ledger_bulk_storage"
down_revision = "0010_ledger_bulk_plans"
branch_labels = None
depends_on = None

FUNCTIONS = (
    "ledger_account_changed()",
    "ledger_account_opened()",
    "ledger_accounts_deleted()",
    "ledger_entries_inserted()",
    "ledger_lock(text[], varchar[], varchar[], text[], int)",
    "ledger_post_batch(text[], text[], text[], date[], text[], text[], text[], bigint[],"
    " int[], text[], text[], text[], text[], bigint[], timestamptz)",
    "ledger_posting_batch_closed()",
    "ledger_postings_inserted()",
    "ledger_refuse_change()",
    "ledger_refuse_truncate()",
    "ledger_write(bigint[], bigint[], text[], bigint[], bigint[], bigint[], text[],"
    " timestamptz, bigint[], bigint[], date[], text[], text[], text[], text[], text[],"
    " bigint[], text[])",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for function in FUNCTIONS:
        op.execute(f"ALTER FUNCTION {function} SET jit = off")
    op.execute("ALTER TABLE ledger_balances SET (fillfactor = 20)")
    op.execute("ALTER SEQUENCE ledger_postings_id_seq CACHE 1000")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER SEQUENCE ledger_postings_id_seq CACHE 1")
    op.execute("ALTER TABLE ledger_balances RESET (fillfactor)")
    for function in FUNCTIONS:
        op.execute(f"ALTER FUNCTION {function} RESET jit")
