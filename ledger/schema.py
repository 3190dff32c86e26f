"""The ledger's tables, as SQLAlchemy Core metadata.

The baseline migration creates exactly these tables (a test
compares the migrated database with this metadata on both dialects) plus the
triggers that make the database refuse a bad ledger (``ledger/sql/``); see
:mod:`riskpool.ledger` for the invariants and how each is enforced.

Amounts are ``BIGINT`` counts of minor units (fen for CNY): exact on both
dialects, where SQLite would store a ``NUMERIC`` as a float.
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
    ForeignKeyConstraint,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import JSON

from riskpool.db import Id, metadata

GENESIS_HASH = "0" * 64  # = riskpool.ledger.hashing.GENESIS_HASH

ACCOUNT_TYPES = ("asset", "liability", "net_assets", "income", "expense")

books = Table(
    "ledger_books",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
)

accounts = Table(
    "ledger_accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("book_id", Id, ForeignKey("ledger_books.id"), nullable=False),
    Column("code", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("type", String(16), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("parent_id", Id, ForeignKey("ledger_accounts.id"), nullable=True),
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("debits_must_not_exceed_credits", Boolean, nullable=False),
    Column("credits_must_not_exceed_debits", Boolean, nullable=False),
    UniqueConstraint("book_id", "code"),
    # Target of the postings' composite key: a posting's currency IS its account's.
    UniqueConstraint("id", "currency"),
    CheckConstraint(
        "type IN ('asset', 'liability', 'net_assets', 'income', 'expense')", name="type"
    ),
    CheckConstraint(
        "NOT (debits_must_not_exceed_credits AND credits_must_not_exceed_debits)",
        name="one_flag",
    ),
    CheckConstraint("closed_on IS NULL OR closed_on >= opened_on", name="dates"),
)

balances = Table(
    "ledger_balances",
    metadata,
    Column("account_id", Id, ForeignKey("ledger_accounts.id"), primary_key=True),
    Column("balance", BigInteger, nullable=False, server_default="0"),
    Column("version", BigInteger, nullable=False, server_default="0"),
    Column("debits_must_not_exceed_credits", Boolean, nullable=False),
    Column("credits_must_not_exceed_debits", Boolean, nullable=False),
    # Hash of the entry holding the account's last posting (GENESIS before the
    # first): the chain head the next posting links to. Kept by the database
    # (entries trigger), so the balance-row lock returns it; verify checks it.
    Column("head_hash", String(64), nullable=False, server_default=GENESIS_HASH),
    CheckConstraint(
        "NOT credits_must_not_exceed_debits OR balance >= 0", name="credits_exceed_debits"
    ),
    CheckConstraint(
        "NOT debits_must_not_exceed_credits OR balance <= 0", name="debits_exceed_credits"
    ),
)

entries = Table(
    "ledger_entries",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("book_id", Id, ForeignKey("ledger_books.id"), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("booked_at", DateTime(timezone=True), nullable=False),
    Column("description", Text, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("payload_hash", String(64), nullable=False),
    Column("actor", String(200), nullable=False),
    Column(
        "reverses_entry_id", BigInteger, ForeignKey("ledger_entries.id"), nullable=True, unique=True
    ),
    Column("entry_hash", String(64), nullable=False),
    Index("ix_ledger_entries_book_id_effective_date", "book_id", "effective_date"),
)

postings = Table(
    "ledger_postings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("entry_id", BigInteger, nullable=False),
    Column("account_id", Id, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("account_seq", BigInteger, nullable=False),
    Column("balance_after", BigInteger, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    # Deferred: postings are written before their entry row (see riskpool.ledger).
    ForeignKeyConstraint(
        ["entry_id"],
        ["ledger_entries.id"],
        deferrable=True,
        initially="DEFERRED",
        name="fk_ledger_postings_entry_id_ledger_entries",
    ),
    ForeignKeyConstraint(
        ["account_id", "currency"],
        ["ledger_accounts.id", "ledger_accounts.currency"],
        name="fk_ledger_postings_account_currency",
    ),
    UniqueConstraint("account_id", "account_seq"),
    CheckConstraint("amount <> 0", name="nonzero"),
    CheckConstraint("account_seq > 0", name="seq_positive"),
    Index("ix_ledger_postings_entry_id", "entry_id"),
)

periods = Table(
    "ledger_periods",
    metadata,
    # A month of a book that finance is closing (结账): a row appears when one
    # person prepares the close; the close takes effect when a different person
    # approves it. From then on the database refuses every entry dated inside
    # it, and the row itself can no longer change (no reopening; ledger/sql/).
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("book_id", Id, ForeignKey("ledger_books.id"), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("prepared_by", String(200), nullable=False),
    Column("prepared_at", DateTime(timezone=True), nullable=False),
    Column("approved_by", String(200), nullable=True),
    Column("approved_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("book_id", "starts_on"),
    CheckConstraint("ends_on >= starts_on", name="dates"),
    CheckConstraint("approved_by IS NULL OR approved_by <> prepared_by", name="four_eyes"),
    CheckConstraint("(approved_by IS NULL) = (approved_at IS NULL)", name="approved_together"),
)

reversal_requests = Table(
    "ledger_reversal_requests",
    metadata,
    # A correction by reversal, four eyes: one person asks, with a reason, a
    # different one approves, and only then is the reversing entry posted (in
    # the open period) and linked here.
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("entry_id", BigInteger, ForeignKey("ledger_entries.id"), nullable=False, unique=True),
    Column("reason", Text, nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("approved_by", String(200), nullable=True),
    Column("approved_at", DateTime(timezone=True), nullable=True),
    Column("reversal_entry_id", BigInteger, ForeignKey("ledger_entries.id"), nullable=True),
    CheckConstraint("approved_by IS NULL OR approved_by <> requested_by", name="four_eyes"),
)
