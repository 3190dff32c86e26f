"""Innovation points: local indicators, submissions, scoring runs, scores; tiers on loans, claims.

Revision ID: 0004_innovation
Revises: 0003_reconciliation
Create Date: 2026-12-02

Creates exactly the tables of ``riskpool.domain.persistence.innovation_tables``
(append-only, enforced like the ledger's) and adds two nullable columns: the
firm's tier when a loan entered the pool (``loans.pool_entry_tier``) and the
tier a claim is compensated with (``claims.innovation_tier``), for a policy
that raises the ratio by tier.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_innovation"
down_revision = "0003_reconciliation"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY = (
    "innovation_local_indicators",
    "innovation_submissions",
    "innovation_scoring_runs",
    "innovation_scores",
)


def upgrade() -> None:
    op.add_column("loans", sa.Column("pool_entry_tier", sa.Integer, nullable=True))
    op.add_column("claims", sa.Column("innovation_tier", sa.Integer, nullable=True))
    op.create_table(
        "innovation_local_indicators",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("base_version", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("minimum", sa.String(40), nullable=False),
        sa.Column("maximum", sa.String(40), nullable=False),
        sa.Column("direction", sa.String(24), nullable=False),
        sa.Column("weights", sa.JSON, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("defined_by_role", sa.String(32), nullable=False),
        sa.Column("defined_by_subject", sa.String(200), nullable=False),
        sa.Column("defined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_innovation_local_indicators"),
        sa.UniqueConstraint(
            "base_version", "seq", name="uq_innovation_local_indicators_base_version_seq"
        ),
        sa.UniqueConstraint(
            "base_version", "code", name="uq_innovation_local_indicators_base_version_code"
        ),
    )
    op.create_table(
        "innovation_submissions",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("firm_id", Id, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("catalogue_version", sa.String(40), nullable=False),
        sa.Column("indicator_values", sa.JSON, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("submitted_by_role", sa.String(32), nullable=False),
        sa.Column("submitted_by_subject", sa.String(200), nullable=False),
        sa.Column("submitted_by_institution_id", sa.BigInteger, nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_innovation_submissions"),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name="fk_innovation_submissions_firm_id_firms"
        ),
    )
    op.create_index(
        "ix_innovation_submissions_firm_id", "innovation_submissions", ["firm_id", "year"]
    )
    op.create_table(
        "innovation_scoring_runs",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("catalogue_version", sa.String(40), nullable=False),
        sa.Column("tier_cuts", sa.JSON, nullable=False),
        sa.Column("firm_count", sa.Integer, nullable=False),
        sa.Column("run_by_role", sa.String(32), nullable=False),
        sa.Column("run_by_subject", sa.String(200), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_innovation_scoring_runs"),
    )
    op.create_index("ix_innovation_scoring_runs_year", "innovation_scoring_runs", ["year"])
    op.create_table(
        "innovation_scores",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("run_id", Id, nullable=False),
        sa.Column("firm_id", Id, nullable=False),
        sa.Column("submission_id", Id, nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("score", sa.String(20), nullable=False),
        sa.Column("percentile", sa.String(10), nullable=False),
        sa.Column("tier", sa.Integer, nullable=False),
        sa.Column("cohort_size", sa.Integer, nullable=False),
        sa.Column("contributions", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_innovation_scores"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["innovation_scoring_runs.id"],
            name="fk_innovation_scores_run_id_innovation_scoring_runs",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name="fk_innovation_scores_firm_id_firms"
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["innovation_submissions.id"],
            name="fk_innovation_scores_submission_id_innovation_submissions",
        ),
        sa.UniqueConstraint("run_id", "firm_id", name="uq_innovation_scores_run_id_firm_id"),
    )
    op.create_index("ix_innovation_scores_firm_id", "innovation_scores", ["firm_id"])
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()"
            )
    else:
        for table in APPEND_ONLY:
            for operation in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'APPEND_ONLY: {operation} on {table} is not "
                    "allowed'); END"
                )


def downgrade() -> None:
    for table in (
        "innovation_scores",
        "innovation_scoring_runs",
        "innovation_submissions",
        "innovation_local_indicators",
    ):
        op.drop_table(table)
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35 has it): a batch rebuild of
    # ``loans`` would fight the foreign keys of its movements and claims.
    op.drop_column("claims", "innovation_tier")
    op.drop_column("loans", "pool_entry_tier")
