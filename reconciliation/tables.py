"""The reconciliation's tables, as SQLAlchemy Core metadata on :data:`riskpool.db.metadata`.

``migrations/versions/0003_reconciliation.py`` creates exactly these (a test
compares the migrated database with this metadata on both dialects).

What each table is for, and the invariant the database keeps for it:

* ``recon_files`` — one row per statement file accepted, keyed by the SHA-256
  of its bytes: the same file imported twice is recognised before any line is
  looked at (unique ``sha256``).
* ``recon_statements`` — the statements (pages) that brought new lines, as
  stored *after* the overlap with already stored statements was cut off; the
  bank's own opening is kept beside (``stated_opening_*``). The account's
  latest row is where the next statement must continue.
* ``recon_lines`` — bank statement lines; unique (``account``, ``dedup_key``),
  so an overlapping export can never store a movement twice.
* ``recon_runs`` — who ran the matching, when, with which bounds, and what it
  found. Dry runs write nothing, so they have no row.
* ``recon_matches`` — every match a run made, with its rule, rule version,
  score and score components; ``status`` is ``proposed``, ``confirmed`` or
  ``rejected``.
* ``recon_match_members`` — the lines and postings of each match, one row
  each. **At most once** is enforced here: partial unique indexes on
  ``line_id`` and on ``posting_id`` over the rows not ``released``. Rejecting
  a proposal releases its members, which frees its line and posting for a
  later run while the row itself stays as history.
* ``recon_bank_accounts`` — the registry of the fund's bank accounts (migration
  ``0004_bank_accounts``): bank, account number as the bank prints it (unique),
  currency, the ledger account it mirrors (book + code) and the day it was
  opened; who registered it and when. A statement of an account not in it is
  refused. Append-only: an account's identity never changes under its lines.
* ``recon_decisions`` — the person who confirmed or rejected a proposal, when
  and why; at most one per match (unique ``match_id``).

Amounts are ``BIGINT`` minor units, like the ledger's.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
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
    text,
)
from sqlalchemy.types import JSON

from riskpool.db import Id, metadata

MAX_KEY = 512
"""Longest dedup key stored (the account, a tag and a bank reference or a hash)."""

files = Table(
    "recon_files",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("filename", String(255), nullable=False),
    Column("format", String(16), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("imported_by", String(200), nullable=False),
    Column("statements", Integer, nullable=False),
    Column("lines_added", Integer, nullable=False),
    Column("lines_known", Integer, nullable=False),
)

statements = Table(
    "recon_statements",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("file_id", Id, ForeignKey("recon_files.id"), nullable=False),
    Column("account", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("format", String(16), nullable=False),
    Column("statement_id", String(200), nullable=False),
    Column("sequence", String(64), nullable=True),
    Column("opening_date", Date, nullable=False),
    Column("opening_minor", BigInteger, nullable=False),
    Column("closing_date", Date, nullable=False),
    Column("closing_minor", BigInteger, nullable=False),
    Column("opening_derived", Boolean, nullable=False),
    Column("stated_opening_date", Date, nullable=False),
    Column("stated_opening_minor", BigInteger, nullable=False),
    Column("lines_known", Integer, nullable=False),
    CheckConstraint("closing_date >= opening_date", name="period"),
    Index("ix_recon_statements_account_closing_date", "account", "closing_date"),
)

lines = Table(
    "recon_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("statement_row_id", Id, ForeignKey("recon_statements.id"), nullable=False),
    Column("account", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("dedup_key", String(MAX_KEY), nullable=False),
    Column("booking_date", Date, nullable=False),
    Column("value_date", Date, nullable=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("bank_reference", String(200), nullable=True),
    Column("end_to_end_id", String(200), nullable=True),
    Column("counterparty_name", String(300), nullable=True),
    Column("counterparty_account", String(100), nullable=True),
    Column("purpose", Text, nullable=False),
    Column("running_balance_minor", BigInteger, nullable=True),
    Column("is_reversal", Boolean, nullable=False),
    Column("transaction_code", String(64), nullable=True),
    Column("raw", Text, nullable=False),
    Column("source_sha256", String(64), nullable=False),
    Column("source_line", Integer, nullable=False),
    UniqueConstraint("account", "dedup_key"),
    Index("ix_recon_lines_account_booking_date", "account", "booking_date"),
    Index("ix_recon_lines_statement_row_id", "statement_row_id"),
)

runs = Table(
    "recon_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("book", String(32), nullable=False),
    Column("account", String(64), nullable=False),
    Column("bank_account", String(64), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("config", JSON, nullable=False),
    Column("lines_considered", Integer, nullable=False),
    Column("postings_considered", Integer, nullable=False),
    Column("matches", Integer, nullable=False),
    Column("auto_confirmed", Integer, nullable=False),
    Column("proposals", Integer, nullable=False),
    Column("skipped_rejected", Integer, nullable=False),
)

MATCH_STATUSES = ("proposed", "confirmed", "rejected")

matches = Table(
    "recon_matches",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", Id, ForeignKey("recon_runs.id"), nullable=False),
    Column("book", String(32), nullable=False),
    Column("account", String(64), nullable=False),
    Column("bank_account", String(64), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("rule_version", Integer, nullable=False),
    Column("score", Integer, nullable=False),
    Column("components", JSON, nullable=False),
    Column("match_key", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("auto_confirmed", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("status IN ('proposed', 'confirmed', 'rejected')", name="status"),
    CheckConstraint("score >= 0 AND score <= 100", name="score"),
    CheckConstraint("NOT auto_confirmed OR status = 'confirmed'", name="auto"),
    Index("ix_recon_matches_run_id", "run_id"),
    Index("ix_recon_matches_status", "status"),
)

members = Table(
    "recon_match_members",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("match_id", Id, ForeignKey("recon_matches.id"), nullable=False),
    Column("line_id", Id, ForeignKey("recon_lines.id"), nullable=True),
    Column("posting_id", Id, ForeignKey("ledger_postings.id"), nullable=True),
    Column("released", Boolean, nullable=False, server_default=text("false")),
    CheckConstraint("(line_id IS NULL) <> (posting_id IS NULL)", name="one_side"),
    Index("ix_recon_match_members_match_id", "match_id"),
    # At most once: among members not released, a line and a posting appear once.
    Index(
        "uq_recon_match_members_line_active",
        "line_id",
        unique=True,
        sqlite_where=text("line_id IS NOT NULL AND NOT released"),
        postgresql_where=text("line_id IS NOT NULL AND NOT released"),
    ),
    Index(
        "uq_recon_match_members_posting_active",
        "posting_id",
        unique=True,
        sqlite_where=text("posting_id IS NOT NULL AND NOT released"),
        postgresql_where=text("posting_id IS NOT NULL AND NOT released"),
    ),
)

decisions = Table(
    "recon_decisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("match_id", Id, ForeignKey("recon_matches.id"), nullable=False, unique=True),
    Column("decision", String(16), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False),
    CheckConstraint("decision IN ('confirm', 'reject')", name="decision"),
)

bank_accounts = Table(
    "recon_bank_accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("bank", String(200), nullable=False),
    Column("account_number", String(64), nullable=False, unique=True),
    Column("currency", String(3), nullable=False),
    Column("book", String(32), nullable=False),
    Column("ledger_account", String(32), nullable=False),
    Column("opening_date", Date, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("registered_by", String(200), nullable=False),
    CheckConstraint("length(currency) = 3", name="currency"),
    CheckConstraint("length(account_number) > 0", name="number"),
    # One bank account per ledger account: the mirror is unambiguous both ways.
    UniqueConstraint("book", "ledger_account"),
)

ALL_TABLES = (bank_accounts, files, statements, lines, runs, matches, members, decisions)
