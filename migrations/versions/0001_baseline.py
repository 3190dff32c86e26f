"""Baseline: every table of riskpool, and the database's logic as of this revision.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-04

Why one baseline: no deployment exists, so the twelve migrations that grew
the schema (six of them rewrites of the same ledger triggers) were squashed
into this one (docs/decisions.md). The tables are created here in Python;
the functions and triggers are FROZEN copies of the files in
``ledger/sql/``, ``domain/persistence/sql/`` and ``reconciliation/sql/``
taken at this revision, kept next to this script in
``0001_baseline/<dialect>/`` (see :mod:`riskpool.dbsql`). A later change to a
definition is a new migration with its own frozen copy;
``tests/test_migrations.py`` compares a freshly migrated database with the
current files, so forgetting it fails.

Money columns are BIGINT minor units on both dialects. PostgreSQL allocates
entry ids from ``ledger_entry_id_seq`` (the writer needs them before the
insert: postings are written before their entry); SQLite takes ``max(id) + 1``
under its write lock.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import op

from riskpool.dbsql import load

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FROZEN = Path(__file__).resolve().parent / "0001_baseline"

#: Every table, in the order of creation (dropped in reverse).
TABLES = (
    "ledger_books",
    "ledger_accounts",
    "ledger_balances",
    "ledger_entries",
    "ledger_postings",
    "institutions",
    "institution_status_changes",
    "firms",
    "loans",
    "loan_movements",
    "claims",
    "claim_events",
    "idempotency_records",
    "recon_files",
    "recon_statements",
    "recon_lines",
    "recon_runs",
    "recon_matches",
    "recon_match_members",
    "recon_decisions",
    "innovation_local_indicators",
    "innovation_submissions",
    "innovation_scoring_runs",
    "innovation_scores",
    "data_versions",
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _tables()
    if dialect == "postgresql":
        op.execute("CREATE SEQUENCE ledger_entry_id_seq")
    for obj in load(FROZEN / dialect):
        op.execute(obj.sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in reversed(TABLES):
        op.drop_table(table)  # its triggers go with it
    if dialect == "postgresql":
        for obj in load(FROZEN / dialect):
            if obj.kind == "function":
                op.execute(f"DROP FUNCTION {obj.name}()")
        op.execute("DROP SEQUENCE ledger_entry_id_seq")


def _tables() -> None:
    # -- the ledger ---------------------------------------------------------------
    op.create_table(
        "ledger_books",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_books"),
        sa.UniqueConstraint("code", name="uq_ledger_books_code"),
    )
    op.create_table(
        "ledger_accounts",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("book_id", Id, nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("parent_id", Id, nullable=True),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("debits_must_not_exceed_credits", sa.Boolean, nullable=False),
        sa.Column("credits_must_not_exceed_debits", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_accounts"),
        sa.ForeignKeyConstraint(
            ["book_id"], ["ledger_books.id"], name="fk_ledger_accounts_book_id_ledger_books"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["ledger_accounts.id"],
            name="fk_ledger_accounts_parent_id_ledger_accounts",
        ),
        sa.UniqueConstraint("book_id", "code", name="uq_ledger_accounts_book_id_code"),
        sa.UniqueConstraint("id", "currency", name="uq_ledger_accounts_id_currency"),
        sa.CheckConstraint(
            "type IN ('asset', 'liability', 'net_assets', 'income', 'expense')",
            name="ck_ledger_accounts_type",
        ),
        sa.CheckConstraint(
            "NOT (debits_must_not_exceed_credits AND credits_must_not_exceed_debits)",
            name="ck_ledger_accounts_one_flag",
        ),
        sa.CheckConstraint(
            "closed_on IS NULL OR closed_on >= opened_on", name="ck_ledger_accounts_dates"
        ),
    )
    op.create_table(
        "ledger_balances",
        sa.Column("account_id", Id),
        sa.Column("balance", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("debits_must_not_exceed_credits", sa.Boolean, nullable=False),
        sa.Column("credits_must_not_exceed_debits", sa.Boolean, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False, server_default="0" * 64),
        sa.PrimaryKeyConstraint("account_id", name="pk_ledger_balances"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name="fk_ledger_balances_account_id_ledger_accounts",
        ),
        sa.CheckConstraint(
            "NOT credits_must_not_exceed_debits OR balance >= 0",
            name="ck_ledger_balances_credits_exceed_debits",
        ),
        sa.CheckConstraint(
            "NOT debits_must_not_exceed_credits OR balance <= 0",
            name="ck_ledger_balances_debits_exceed_credits",
        ),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger, autoincrement=False),
        sa.Column("book_id", Id, nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reverses_entry_id", sa.BigInteger, nullable=True),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_entries"),
        sa.ForeignKeyConstraint(
            ["book_id"], ["ledger_books.id"], name="fk_ledger_entries_book_id_ledger_books"
        ),
        sa.ForeignKeyConstraint(
            ["reverses_entry_id"],
            ["ledger_entries.id"],
            name="fk_ledger_entries_reverses_entry_id_ledger_entries",
        ),
        sa.UniqueConstraint("idempotency_key", name="uq_ledger_entries_idempotency_key"),
        sa.UniqueConstraint("reverses_entry_id", name="uq_ledger_entries_reverses_entry_id"),
    )
    op.create_index(
        "ix_ledger_entries_book_id_effective_date", "ledger_entries", ["book_id", "effective_date"]
    )
    op.create_table(
        "ledger_postings",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("entry_id", sa.BigInteger, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("account_seq", sa.BigInteger, nullable=False),
        sa.Column("balance_after", sa.BigInteger, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_postings"),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            deferrable=True,
            initially="DEFERRED",
            name="fk_ledger_postings_entry_id_ledger_entries",
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "currency"],
            ["ledger_accounts.id", "ledger_accounts.currency"],
            name="fk_ledger_postings_account_currency",
        ),
        sa.UniqueConstraint(
            "account_id", "account_seq", name="uq_ledger_postings_account_id_account_seq"
        ),
        sa.CheckConstraint("amount <> 0", name="ck_ledger_postings_nonzero"),
        sa.CheckConstraint("account_seq > 0", name="ck_ledger_postings_seq_positive"),
    )
    op.create_index("ix_ledger_postings_entry_id", "ledger_postings", ["entry_id"])

    # -- the domain ---------------------------------------------------------------
    op.create_table(
        "institutions",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("cooperating_since", sa.Date, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_institutions"),
        sa.UniqueConstraint("name", name="uq_institutions_name"),
        sa.CheckConstraint("kind IN ('BANK', 'GUARANTOR')", name="ck_institutions_kind"),
    )
    op.create_table(
        "institution_status_changes",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("institution_id", Id, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor_role", sa.String(32), nullable=True),
        sa.Column("actor_subject", sa.String(200), nullable=True),
        sa.Column("actor_institution_id", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_institution_status_changes"),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name="fk_institution_status_changes_institution_id_institutions",
        ),
        sa.UniqueConstraint(
            "institution_id", "seq", name="uq_institution_status_changes_institution_id_seq"
        ),
    )
    op.create_table(
        "firms",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("sector", sa.String(100), nullable=False),
        sa.Column("annual_revenue", sa.BigInteger, nullable=False),
        sa.Column("innovation_tier", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_firms"),
        sa.UniqueConstraint("uscc", name="uq_firms_uscc"),
    )
    op.create_table(
        "loans",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("contract_no", sa.String(64), nullable=False),
        sa.Column("lender_id", Id, nullable=False),
        sa.Column("guarantor_id", Id, nullable=True),
        sa.Column("firm_id", Id, nullable=False),
        sa.Column("loan_type", sa.String(16), nullable=False),
        sa.Column("credit_line", sa.BigInteger, nullable=False),
        sa.Column("granted_on", sa.Date, nullable=False),
        sa.Column("maturity", sa.Date, nullable=False),
        sa.Column("overdue_since", sa.Date, nullable=True),
        sa.Column("lawsuit_filed_on", sa.Date, nullable=True),
        sa.Column("pool_entry_on", sa.Date, nullable=True),
        sa.Column("policy_code", sa.String(32), nullable=True),
        sa.Column("pool_entry_tier", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_loans"),
        sa.ForeignKeyConstraint(
            ["lender_id"], ["institutions.id"], name="fk_loans_lender_id_institutions"
        ),
        sa.ForeignKeyConstraint(
            ["guarantor_id"], ["institutions.id"], name="fk_loans_guarantor_id_institutions"
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name="fk_loans_firm_id_firms"),
        sa.UniqueConstraint("contract_no", name="uq_loans_contract_no"),
        sa.CheckConstraint("loan_type IN ('BANK_DIRECT', 'GUARANTEED')", name="ck_loans_loan_type"),
        sa.CheckConstraint("credit_line > 0", name="ck_loans_credit_line_positive"),
    )
    op.create_index("ix_loans_lender_id", "loans", ["lender_id"])
    op.create_index("ix_loans_guarantor_id", "loans", ["guarantor_id"])
    op.create_index("ix_loans_firm_id", "loans", ["firm_id"])
    op.create_table(
        "loan_movements",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("loan_id", Id, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("repayment_kind", sa.String(16), nullable=True),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("guarantor_id", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_loan_movements"),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name="fk_loan_movements_loan_id_loans"),
        sa.CheckConstraint(
            "kind IN ('DISBURSEMENT', 'REPAYMENT', 'PREPAYMENT')", name="ck_loan_movements_kind"
        ),
        sa.CheckConstraint("amount > 0", name="ck_loan_movements_amount_positive"),
    )
    op.create_index("ix_loan_movements_loan_id", "loan_movements", ["loan_id"])
    op.create_table(
        "claims",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("loan_id", Id, nullable=False),
        sa.Column("claimant_id", Id, nullable=False),
        sa.Column("loan_type", sa.String(16), nullable=False),
        sa.Column("policy_code", sa.String(32), nullable=False),
        sa.Column("claimed_principal", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("audited_loss", sa.BigInteger, nullable=True),
        sa.Column("compensation", sa.BigInteger, nullable=True),
        sa.Column("paid_amount", sa.BigInteger, nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("innovation_tier", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_claims"),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name="fk_claims_loan_id_loans"),
        sa.ForeignKeyConstraint(
            ["claimant_id"], ["institutions.id"], name="fk_claims_claimant_id_institutions"
        ),
    )
    op.create_index("ix_claims_loan_id", "claims", ["loan_id"])
    op.create_index("ix_claims_claimant_id", "claims", ["claimant_id"])
    op.create_index("ix_claims_state", "claims", ["state"])
    op.create_table(
        "claim_events",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("claim_id", Id, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("source", sa.String(24), nullable=True),
        sa.Column("target", sa.String(24), nullable=False),
        sa.Column("actor_role", sa.String(32), nullable=False),
        sa.Column("actor_subject", sa.String(200), nullable=False),
        sa.Column("actor_institution_id", sa.BigInteger, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("amount", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_claim_events"),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name="fk_claim_events_claim_id_claims"
        ),
        sa.UniqueConstraint("claim_id", "seq", name="uq_claim_events_claim_id_seq"),
    )
    op.create_table(
        "idempotency_records",
        sa.Column("key", sa.String(200)),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_idempotency_records"),
    )

    # -- reconciliation -----------------------------------------------------------
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

    # -- the domain: innovation points ---------------------------------------------
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

    # -- the domain: data version (for result caches) ------------------------------
    data_versions = op.create_table(
        "data_versions",
        sa.Column("name", sa.String(32)),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_data_versions"),
    )
    op.bulk_insert(data_versions, [{"name": "domain", "version": 0}])
