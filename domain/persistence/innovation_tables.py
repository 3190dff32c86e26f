"""Tables of the innovation points (创新积分制), on riskpool's shared metadata.

Decimals (indicator values, bounds, weights, scores) are stored as their
canonical decimal *strings*, never NUMERIC: SQLite keeps NUMERIC as a float,
and a score must read back exactly as it was computed. Local indicators,
submissions, scoring runs and scores are append-only (migration 0004 adds
the same refusing triggers as the ledger's): a correction is a new
submission, a re-score is a new run.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
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

innovation_local_indicators = Table(
    "innovation_local_indicators",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("base_version", String(32), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("code", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("minimum", String(40), nullable=False),
    Column("maximum", String(40), nullable=False),
    Column("direction", String(24), nullable=False),
    Column("weights", JSON, nullable=False),
    Column("description", Text, nullable=False),
    Column("defined_by_role", String(32), nullable=False),
    Column("defined_by_subject", String(200), nullable=False),
    Column("defined_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("base_version", "seq"),
    UniqueConstraint("base_version", "code"),
)

innovation_submissions = Table(
    "innovation_submissions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("firm_id", Id, ForeignKey("firms.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("stage", String(16), nullable=False),
    Column("catalogue_version", String(40), nullable=False),
    Column("indicator_values", JSON, nullable=False),
    Column("source", String(200), nullable=False),
    Column("submitted_by_role", String(32), nullable=False),
    Column("submitted_by_subject", String(200), nullable=False),
    Column("submitted_by_institution_id", BigInteger, nullable=True),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Index("ix_innovation_submissions_firm_id", "firm_id", "year"),
)

innovation_scoring_runs = Table(
    "innovation_scoring_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("catalogue_version", String(40), nullable=False),
    Column("tier_cuts", JSON, nullable=False),
    Column("firm_count", Integer, nullable=False),
    Column("run_by_role", String(32), nullable=False),
    Column("run_by_subject", String(200), nullable=False),
    Column("run_at", DateTime(timezone=True), nullable=False),
    Index("ix_innovation_scoring_runs_year", "year"),
)

innovation_scores = Table(
    "innovation_scores",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", Id, ForeignKey("innovation_scoring_runs.id"), nullable=False),
    Column("firm_id", Id, ForeignKey("firms.id"), nullable=False),
    Column("submission_id", Id, ForeignKey("innovation_submissions.id"), nullable=False),
    Column("stage", String(16), nullable=False),
    Column("score", String(20), nullable=False),
    Column("percentile", String(10), nullable=False),
    Column("tier", Integer, nullable=False),
    Column("cohort_size", Integer, nullable=False),
    Column("contributions", JSON, nullable=False),
    UniqueConstraint("run_id", "firm_id"),
    Index("ix_innovation_scores_firm_id", "firm_id"),
)
