"""Domain: institutions, firms, loans and their movements, claims and their trail.

Revision ID: 0002_domain
Revises: 0001_ledger
Create Date: 2026-11-29

Histories are append-only, enforced like the ledger's: loan movements, claim
events and institution status changes refuse UPDATE and DELETE.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_domain"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY = ("loan_movements", "claim_events", "institution_status_changes")


def upgrade() -> None:
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
        "idempotency_records",
        "claim_events",
        "claims",
        "loan_movements",
        "loans",
        "firms",
        "institution_status_changes",
        "institutions",
    ):
        op.drop_table(table)
