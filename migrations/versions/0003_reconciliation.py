"""Reconciliation: statement files, statements, lines, runs, matches, members, decisions.

Revision ID: 0003_reconciliation
Revises: 0002_domain
Create Date: 2026-12-01

Creates exactly the tables of ``riskpool.reconciliation.tables``. The facts
from outside and the people's decisions (files, statements, lines, runs,
decisions) are append-only, enforced like the ledger's; matches change status
and their members are released when a proposal is rejected, so those two
tables accept updates. The partial unique indexes on the members are what
keeps every line and every posting in at most one live match.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_reconciliation"
down_revision = "0002_domain"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY = ("recon_files", "recon_statements", "recon_lines", "recon_runs", "recon_decisions")


def upgrade() -> None:
    op.create_table(
        "recon_files",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
        sa.Column("statements", sa.Integer, nullable=False),
        sa.Column("lines_added", sa.Integer, nullable=False),
        sa.Column("lines_known", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recon_files"),
        sa.UniqueConstraint("sha256", name="uq_recon_files_sha256"),
    )
    op.create_table(
        "recon_statements",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("file_id", Id, nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("statement_id", sa.String(200), nullable=False),
        sa.Column("sequence", sa.String(64), nullable=True),
        sa.Column("opening_date", sa.Date, nullable=False),
        sa.Column("opening_minor", sa.BigInteger, nullable=False),
        sa.Column("closing_date", sa.Date, nullable=False),
        sa.Column("closing_minor", sa.BigInteger, nullable=False),
        sa.Column("opening_derived", sa.Boolean, nullable=False),
        sa.Column("stated_opening_date", sa.Date, nullable=False),
        sa.Column("stated_opening_minor", sa.BigInteger, nullable=False),
        sa.Column("lines_known", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recon_statements"),
        sa.ForeignKeyConstraint(
            ["file_id"], ["recon_files.id"], name="fk_recon_statements_file_id_recon_files"
        ),
        sa.CheckConstraint("closing_date >= opening_date", name="ck_recon_statements_period"),
    )
    op.create_index(
        "ix_recon_statements_account_closing_date",
        "recon_statements",
        ["account", "closing_date"],
    )
    op.create_table(
        "recon_lines",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("statement_row_id", Id, nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("dedup_key", sa.String(512), nullable=False),
        sa.Column("booking_date", sa.Date, nullable=False),
        sa.Column("value_date", sa.Date, nullable=True),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("bank_reference", sa.String(200), nullable=True),
        sa.Column("end_to_end_id", sa.String(200), nullable=True),
        sa.Column("counterparty_name", sa.String(300), nullable=True),
        sa.Column("counterparty_account", sa.String(100), nullable=True),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("running_balance_minor", sa.BigInteger, nullable=True),
        sa.Column("is_reversal", sa.Boolean, nullable=False),
        sa.Column("transaction_code", sa.String(64), nullable=True),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("source_line", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recon_lines"),
        sa.ForeignKeyConstraint(
            ["statement_row_id"],
            ["recon_statements.id"],
            name="fk_recon_lines_statement_row_id_recon_statements",
        ),
        sa.UniqueConstraint("account", "dedup_key", name="uq_recon_lines_account_dedup_key"),
    )
    op.create_index(
        "ix_recon_lines_account_booking_date", "recon_lines", ["account", "booking_date"]
    )
    op.create_index("ix_recon_lines_statement_row_id", "recon_lines", ["statement_row_id"])
    op.create_table(
        "recon_runs",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("book", sa.String(32), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("bank_account", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("lines_considered", sa.Integer, nullable=False),
        sa.Column("postings_considered", sa.Integer, nullable=False),
        sa.Column("matches", sa.Integer, nullable=False),
        sa.Column("auto_confirmed", sa.Integer, nullable=False),
        sa.Column("proposals", sa.Integer, nullable=False),
        sa.Column("skipped_rejected", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recon_runs"),
    )
    op.create_table(
        "recon_matches",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("run_id", Id, nullable=False),
        sa.Column("book", sa.String(32), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("bank_account", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("rule_version", sa.Integer, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("components", sa.JSON, nullable=False),
        sa.Column("match_key", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("auto_confirmed", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recon_matches"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["recon_runs.id"], name="fk_recon_matches_run_id_recon_runs"
        ),
        sa.CheckConstraint(
            "status IN ('proposed', 'confirmed', 'rejected')", name="ck_recon_matches_status"
        ),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="ck_recon_matches_score"),
        sa.CheckConstraint(
            "NOT auto_confirmed OR status = 'confirmed'", name="ck_recon_matches_auto"
        ),
    )
    op.create_index("ix_recon_matches_run_id", "recon_matches", ["run_id"])
    op.create_index("ix_recon_matches_status", "recon_matches", ["status"])
    op.create_table(
        "recon_match_members",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("match_id", Id, nullable=False),
        sa.Column("line_id", Id, nullable=True),
        sa.Column("posting_id", Id, nullable=True),
        sa.Column("released", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.PrimaryKeyConstraint("id", name="pk_recon_match_members"),
        sa.ForeignKeyConstraint(
            ["match_id"], ["recon_matches.id"], name="fk_recon_match_members_match_id_recon_matches"
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["recon_lines.id"], name="fk_recon_match_members_line_id_recon_lines"
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["ledger_postings.id"],
            name="fk_recon_match_members_posting_id_ledger_postings",
        ),
        sa.CheckConstraint(
            "(line_id IS NULL) <> (posting_id IS NULL)", name="ck_recon_match_members_one_side"
        ),
    )
    op.create_index("ix_recon_match_members_match_id", "recon_match_members", ["match_id"])
    for column in ("line_id", "posting_id"):
        where = sa.text(f"{column} IS NOT NULL AND NOT released")
        op.create_index(
            f"uq_recon_match_members_{column.removesuffix('_id')}_active",
            "recon_match_members",
            [column],
            unique=True,
            sqlite_where=where,
            postgresql_where=where,
        )
    op.create_table(
        "recon_decisions",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("match_id", Id, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recon_decisions"),
        sa.ForeignKeyConstraint(
            ["match_id"], ["recon_matches.id"], name="fk_recon_decisions_match_id_recon_matches"
        ),
        sa.UniqueConstraint("match_id", name="uq_recon_decisions_match_id"),
        sa.CheckConstraint("decision IN ('confirm', 'reject')", name="ck_recon_decisions_decision"),
    )
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
        "recon_decisions",
        "recon_match_members",
        "recon_matches",
        "recon_runs",
        "recon_lines",
        "recon_statements",
        "recon_files",
    ):
        op.drop_table(table)
