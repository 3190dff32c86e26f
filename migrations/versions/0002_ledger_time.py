"""Ledger time: closed periods (结账) and bounded business dates, enforced by the database.

Revision ID: 0002_ledger_time
Revises: 0001_baseline
Create Date: 2026-12-04

Why: the business date of an entry was the client's choice with no guard
(issue 16): entries could be dated in the future, and back-dated into months
already reported. This revision adds ``ledger_periods`` (a month of a book,
prepared by one person and closed by another) and installs FROZEN copies of
the guards in ``0002_ledger_time/<dialect>/``: an entry dated after the
business day of its own booking time (Asia/Shanghai) is refused (``RP005``),
so is one dated inside a closed period (``RP004``), and a closed period can
no longer be changed or removed (``RP003``). ``ledger_reversal_requests``
holds corrections by reversal awaiting (or given) a second person's approval.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import op

from riskpool.dbsql import load

revision = "0002_ledger_time"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FROZEN = Path(__file__).resolve().parent / "0002_ledger_time"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "ledger_periods",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("book_id", Id, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("prepared_by", sa.String(200), nullable=False),
        sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_periods"),
        sa.ForeignKeyConstraint(
            ["book_id"], ["ledger_books.id"], name="fk_ledger_periods_book_id_ledger_books"
        ),
        sa.UniqueConstraint("book_id", "starts_on", name="uq_ledger_periods_book_id_starts_on"),
        sa.CheckConstraint("ends_on >= starts_on", name="ck_ledger_periods_dates"),
        sa.CheckConstraint(
            "approved_by IS NULL OR approved_by <> prepared_by",
            name="ck_ledger_periods_four_eyes",
        ),
        sa.CheckConstraint(
            "(approved_by IS NULL) = (approved_at IS NULL)",
            name="ck_ledger_periods_approved_together",
        ),
    )
    op.create_table(
        "ledger_reversal_requests",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("entry_id", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reversal_entry_id", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_reversal_requests"),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name="fk_ledger_reversal_requests_entry_id_ledger_entries",
        ),
        sa.ForeignKeyConstraint(
            ["reversal_entry_id"],
            ["ledger_entries.id"],
            name="fk_ledger_reversal_requests_reversal_entry_id_ledger_entries",
        ),
        sa.UniqueConstraint("entry_id", name="uq_ledger_reversal_requests_entry_id"),
        sa.CheckConstraint(
            "approved_by IS NULL OR approved_by <> requested_by",
            name="ck_ledger_reversal_requests_four_eyes",
        ),
    )
    for obj in load(FROZEN / dialect):
        op.execute(obj.sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for obj in load(FROZEN / dialect):
        if obj.kind == "trigger":
            table = "ledger_periods" if obj.name.startswith("ledger_periods") else "ledger_entries"
            on = f" ON {table}" if dialect == "postgresql" else ""
            op.execute(f"DROP TRIGGER {obj.name}{on}")
    op.drop_table("ledger_reversal_requests")
    op.drop_table("ledger_periods")
    if dialect == "postgresql":
        for obj in load(FROZEN / dialect):
            if obj.kind == "function":
                op.execute(f"DROP FUNCTION {obj.name}()")
