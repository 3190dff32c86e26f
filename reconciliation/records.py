"""What the reconciliation's use cases return: immutable records of stored facts.

Why separate from :mod:`riskpool.reconciliation.model`: the model is what a
bank file says (no ids, no people); these records are what the database holds
about it — ids to confirm or reject by, who did what and when, and the status
of each match. Entry points (CLI, GraphQL) only translate these.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from riskpool.reconciliation.matching import LedgerItem
from riskpool.reconciliation.model import StatementLine
from riskpool.reconciliation.report import ReconciliationReport


@dataclass(frozen=True, slots=True)
class BankAccount:
    """One of the fund's bank accounts, as registered, and the ledger account it mirrors.

    ``number`` is the account number as the bank prints it on its statements
    (the import compares it exactly); ``book`` and ``ledger_account`` name the
    cash account whose postings the bank's lines are matched against.
    ``opening_date`` is the day the account was opened: no statement of it can
    start earlier. ``id`` is ``None`` only before it is stored.
    """

    id: int | None
    bank: str
    number: str
    currency: str
    book: str
    ledger_account: str
    opening_date: date
    registered_at: datetime | None = None
    registered_by: str | None = None


class MatchStatus(enum.StrEnum):
    PROPOSED = "proposed"
    """Waits for a person: confirm or reject."""
    CONFIRMED = "confirmed"
    """Reconciled: by a person, or automatically for an exact (reference) match."""
    REJECTED = "rejected"
    """Refused by a person; its line and postings are free again."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The outcome of importing one file.

    ``already_imported`` is true when the very same bytes were imported before
    (then nothing at all was added and ``file_id`` is the earlier import).
    ``lines_known`` counts lines already stored from an overlapping statement;
    ``statements_stored`` the statements that brought anything new.
    """

    file_id: int
    filename: str
    sha256: str
    format: str
    already_imported: bool
    statements: int
    statements_stored: int
    lines_added: int
    lines_known: int


@dataclass(frozen=True, slots=True)
class Decision:
    """A person's confirmation or rejection of a proposal."""

    decision: str
    actor: str
    decided_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class StoredMatch:
    """A match as stored: what it joins, why (rule, score, components), and its status.

    ``id`` is ``None`` only in the result of a dry run (nothing was stored).
    """

    id: int | None
    run_id: int | None
    run_actor: str
    rule: str
    rule_version: int
    score: int
    components: tuple[tuple[str, int], ...]
    match_key: str
    status: MatchStatus
    auto_confirmed: bool
    created_at: datetime
    lines: tuple[StatementLine, ...]
    items: tuple[LedgerItem, ...]
    decision: Decision | None = None


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One matching run: who ran it, when, and what it found.

    A dry run has ``id`` ``None``: it was computed and returned, never stored.
    ``skipped_rejected`` counts matches the engine found again although a
    person had rejected exactly that match before; they are not proposed again.
    """

    id: int | None
    book: str
    account: str
    bank_account: str
    actor: str
    started_at: datetime
    dry_run: bool
    lines_considered: int
    postings_considered: int
    matches: int
    auto_confirmed: int
    proposals: int
    skipped_rejected: int
    config: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class RunResult:
    run: RunRecord
    matches: tuple[StoredMatch, ...]


@dataclass(frozen=True, slots=True)
class StoredReport:
    """The pure report plus what a person needs to act on it (match ids by key)."""

    book: str
    account: str
    bank_account: str
    as_of: date
    report: ReconciliationReport
    match_ids: Mapping[str, int]
    matched: tuple[StoredMatch, ...]
    proposals: tuple[StoredMatch, ...]


class SheetFormat(enum.StrEnum):
    """The file formats of the 银行存款余额调节表."""

    XLSX = "xlsx"
    PDF = "pdf"


@dataclass(frozen=True, slots=True)
class Document:
    """A rendered file: its name, MIME type and bytes."""

    filename: str
    content_type: str
    content: bytes
