"""Data version: a counter the domain's write transactions advance, for result caches.

Revision ID: 0005_data_version
Revises: 0004_innovation
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_data_version"
down_revision = "0004_innovation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_versions",
        sa.Column("name", sa.String(32)),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_data_versions"),
    )
    op.bulk_insert(table, [{"name": "domain", "version": 0}])


def downgrade() -> None:
    op.drop_table("data_versions")
