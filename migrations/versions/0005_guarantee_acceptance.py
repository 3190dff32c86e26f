"""Guarantee acceptance: a guarantor's consent before a guaranteed loan enters the pool.

Revision ID: 0005_guarantee_acceptance
Revises: 0004_bank_accounts
Create Date: 2026-12-04

Why (issue 15): a bank could name any guarantee company on its loan and enter
it into the pool, binding the company without its consent. The acceptance is
a fact, so the table is append-only like the other histories; its triggers
are FROZEN copies of ``domain/persistence/sql/<dialect>/guarantee_acceptances_*``
kept in ``0005_guarantee_acceptance/<dialect>/`` (``tests/test_migrations.py``
compares a migrated database with the current files).

``down_revision`` is the baseline's; the lead chains it after the other
branches' migrations at merge.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import op

from riskpool.dbsql import load

revision = "0005_guarantee_acceptance"
down_revision = "0004_bank_accounts"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FROZEN = Path(__file__).resolve().parent / "0005_guarantee_acceptance"


def upgrade() -> None:
    op.create_table(
        "guarantee_acceptances",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("loan_id", Id, nullable=False),
        sa.Column("guarantor_id", Id, nullable=False),
        sa.Column("actor_subject", sa.String(200), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_guarantee_acceptances"),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name="fk_guarantee_acceptances_loan_id_loans"
        ),
        sa.ForeignKeyConstraint(
            ["guarantor_id"],
            ["institutions.id"],
            name="fk_guarantee_acceptances_guarantor_id_institutions",
        ),
        sa.UniqueConstraint("loan_id", name="uq_guarantee_acceptances_loan_id"),
    )
    for obj in load(FROZEN / op.get_bind().dialect.name):
        op.execute(obj.sql)


def downgrade() -> None:
    op.drop_table("guarantee_acceptances")  # its triggers go with it
