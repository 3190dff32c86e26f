"""The domain's tables (SQLAlchemy Core), on riskpool's shared metadata."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from riskpool.db import Id, metadata

institutions = Table(
    "institutions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("cooperating_since", Date, nullable=True),
    CheckConstraint("kind IN ('BANK', 'GUARANTOR')", name="kind"),
)

institution_status_changes = Table(
    "institution_status_changes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("institution_id", Id, ForeignKey("institutions.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("on_date", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor_role", String(32), nullable=True),
    Column("actor_subject", String(200), nullable=True),
    Column("actor_institution_id", BigInteger, nullable=True),
    UniqueConstraint("institution_id", "seq"),
)

firms = Table(
    "firms",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("uscc", String(18), nullable=False, unique=True),
    Column("sector", String(100), nullable=False),
    Column("annual_revenue", BigInteger, nullable=False),
    Column("innovation_tier", Integer, nullable=True),
)

loans = Table(
    "loans",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("contract_no", String(64), nullable=False, unique=True),
    Column("lender_id", Id, ForeignKey("institutions.id"), nullable=False),
    Column("guarantor_id", Id, ForeignKey("institutions.id"), nullable=True),
    Column("firm_id", Id, ForeignKey("firms.id"), nullable=False),
    Column("loan_type", String(16), nullable=False),
    Column("credit_line", BigInteger, nullable=False),
    Column("granted_on", Date, nullable=False),
    Column("maturity", Date, nullable=False),
    Column("overdue_since", Date, nullable=True),
    Column("lawsuit_filed_on", Date, nullable=True),
    Column("pool_entry_on", Date, nullable=True),
    Column("policy_code", String(32), nullable=True),
    Column("pool_entry_tier", Integer, nullable=True),  # 0004_innovation
    CheckConstraint("loan_type IN ('BANK_DIRECT', 'GUARANTEED')", name="loan_type"),
    CheckConstraint("credit_line > 0", name="credit_line_positive"),
    Index("ix_loans_lender_id", "lender_id"),
    Index("ix_loans_guarantor_id", "guarantor_id"),
    Index("ix_loans_firm_id", "firm_id"),
)

loan_movements = Table(
    "loan_movements",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("loan_id", Id, ForeignKey("loans.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("repayment_kind", String(16), nullable=True),
    Column("on_date", Date, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("guarantor_id", BigInteger, nullable=True),
    CheckConstraint("kind IN ('DISBURSEMENT', 'REPAYMENT', 'PREPAYMENT')", name="kind"),
    CheckConstraint("amount > 0", name="amount_positive"),
    Index("ix_loan_movements_loan_id", "loan_id"),
)

claims = Table(
    "claims",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("loan_id", Id, ForeignKey("loans.id"), nullable=False),
    Column("claimant_id", Id, ForeignKey("institutions.id"), nullable=False),
    Column("loan_type", String(16), nullable=False),
    Column("policy_code", String(32), nullable=False),
    Column("claimed_principal", BigInteger, nullable=False),
    # Derived from the trail, kept for queries and statistics (GROUP BY state).
    Column("state", String(24), nullable=False),
    Column("audited_loss", BigInteger, nullable=True),
    Column("compensation", BigInteger, nullable=True),
    Column("paid_amount", BigInteger, nullable=True),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("innovation_tier", Integer, nullable=True),  # 0004_innovation
    Index("ix_claims_loan_id", "loan_id"),
    Index("ix_claims_claimant_id", "claimant_id"),
    Index("ix_claims_state", "state"),
)

claim_events = Table(
    "claim_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("claim_id", Id, ForeignKey("claims.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("action", String(24), nullable=False),
    Column("source", String(24), nullable=True),
    Column("target", String(24), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("actor_subject", String(200), nullable=False),
    Column("actor_institution_id", BigInteger, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("reason", Text, nullable=True),
    Column("amount", BigInteger, nullable=True),
    UniqueConstraint("claim_id", "seq"),
)

idempotency_records = Table(
    "idempotency_records",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("operation", String(64), nullable=False),
    Column("payload_hash", String(64), nullable=False),
    Column("result", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


data_versions = Table(
    "data_versions",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("version", BigInteger, nullable=False),
)
"""One counter per data domain ('domain': institutions, firms, loans, claims), advanced
by every write transaction of the domain; result caches key on it (see
:mod:`riskpool.domain.persistence.statistics_cache`)."""


guarantee_acceptances = Table(
    "guarantee_acceptances",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("loan_id", Id, ForeignKey("loans.id"), nullable=False, unique=True),
    Column("guarantor_id", Id, ForeignKey("institutions.id"), nullable=False),
    Column("actor_subject", String(200), nullable=False),
    Column("accepted_at", DateTime(timezone=True), nullable=False),
)
"""A guarantor's consent to guarantee one loan (0005_guarantee_acceptance): append-only,
one per loan; a guaranteed loan enters the pool only with one."""
