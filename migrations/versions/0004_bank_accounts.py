"""The registry of the fund's bank accounts (issue 17, point 3).

Revision ID: 0004_bank_accounts
Revises: 0002_ledger_time
Create Date: 2026-12-04

Why a registry: a statement of an account the fund does not hold was stored
for good, and matching could not tell which ledger account a bank account
mirrors once there were two. ``recon_bank_accounts`` names each account (bank,
number, currency, the ledger account it mirrors, opening date); imports refuse
any other. Its append-only triggers are FROZEN copies of
``reconciliation/sql/<dialect>/recon_bank_accounts_*.sql``, kept next to this
script in ``0004_bank_accounts/<dialect>/`` (see :mod:`riskpool.dbsql`).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import op

from riskpool.dbsql import load

revision = "0004_bank_accounts"
down_revision = "0002_ledger_time"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FROZEN = Path(__file__).resolve().parent / "0004_bank_accounts"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "recon_bank_accounts",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("bank", sa.String(200), nullable=False),
        sa.Column("account_number", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("book", sa.String(32), nullable=False),
        sa.Column("ledger_account", sa.String(32), nullable=False),
        sa.Column("opening_date", sa.Date, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recon_bank_accounts"),
        sa.UniqueConstraint("account_number", name="uq_recon_bank_accounts_account_number"),
        sa.UniqueConstraint(
            "book", "ledger_account", name="uq_recon_bank_accounts_book_ledger_account"
        ),
        sa.CheckConstraint("length(currency) = 3", name="ck_recon_bank_accounts_currency"),
        sa.CheckConstraint("length(account_number) > 0", name="ck_recon_bank_accounts_number"),
    )
    for obj in load(FROZEN / dialect):
        op.execute(obj.sql)


def downgrade() -> None:
    op.drop_table("recon_bank_accounts")  # its triggers go with it
