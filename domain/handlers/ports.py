"""What a handler may ask of its unit of work: the repositories, the ledger, the clock.

Why protocols: a handler is written against these, not against SQLAlchemy,
so the same handler runs on the database's unit of work in production and on
an in-memory one in tests (no database, no patching). Each protocol lists only
what the handlers use; the SQL implementations in
:mod:`riskpool.domain.persistence` satisfy them structurally.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, Self

from moneyed import Money

from riskpool.domain.model.claim import Claim
from riskpool.domain.model.dates import BusinessDates
from riskpool.domain.model.guarantee import GuaranteeAcceptance
from riskpool.domain.model.innovation.catalogue import Catalogue, Indicator
from riskpool.domain.model.innovation.runs import ScoredRun, ScoringRun
from riskpool.domain.model.innovation.scoring import FirmScore
from riskpool.domain.model.innovation.submission import Submission
from riskpool.domain.model.loan import Loan
from riskpool.domain.model.parties import Actor, Firm, Institution
from riskpool.ledger.model import Account, AccountSpec, Book, EntrySpec, JournalEntry


class IdempotencyRace(Exception):
    """Two first uses of one idempotency key met: the loser's record was refused.

    Raised by a unit of work when reserving the record violates the key's
    uniqueness (detected by the database's error code on the very insert of
    the record, never by message text); the bus runs the command once more in
    a fresh unit of work, where the winner's record answers.
    """


class Institutions(Protocol):
    async def add(self, institution: Institution) -> Institution: ...
    async def get(self, institution_id: int, *, lock: bool = False) -> Institution: ...
    async def save(self, institution: Institution) -> None: ...


class Firms(Protocol):
    async def add(self, firm: Firm) -> Firm: ...
    async def get(self, firm_id: int) -> Firm: ...


class Loans(Protocol):
    async def add(self, loan: Loan) -> Loan: ...
    async def get(self, loan_id: int, *, lock: bool = False) -> Loan: ...
    async def save(self, loan: Loan) -> None: ...
    async def for_firm(self, firm_id: int) -> list[Loan]: ...
    async def for_institution(self, institution_id: int) -> list[Loan]: ...
    async def lends_to(self, institution_id: int, firm_id: int) -> bool:
        """Whether the institution lends to or guarantees a loan of the firm."""
        ...


class Claims(Protocol):
    async def add(self, claim: Claim) -> Claim: ...
    async def get(self, claim_id: int, *, lock: bool = False) -> Claim: ...
    async def save(self, claim: Claim) -> None: ...
    async def for_loan(self, loan_id: int) -> list[Claim]: ...
    async def for_loans(self, loan_ids: Iterable[int]) -> list[Claim]: ...


class InnovationRecords(Protocol):
    async def catalogue(self, version: str | None = None) -> Catalogue: ...
    async def add_local_indicator(
        self, base_version: str, indicator: Indicator, actor: Actor, at: datetime
    ) -> None: ...
    async def add_submission(self, submission: Submission) -> Submission: ...
    async def submission(self, submission_id: int) -> Submission: ...
    async def latest_submissions(self, year: int) -> list[Submission]: ...
    async def add_run(
        self,
        *,
        year: int,
        catalogue: Catalogue,
        tier_cuts: Sequence[Decimal],
        scores: Sequence[FirmScore],
        actor: Actor,
        at: datetime,
    ) -> ScoringRun: ...
    async def scored_run(self, run_id: int) -> ScoredRun:
        """A stored run with all its scores."""
        ...


class LedgerPort(Protocol):
    """The ledger as the use cases see it: post inside the unit of work, read balances."""

    async def post_many(self, specs: Sequence[EntrySpec]) -> Sequence[JournalEntry]: ...
    async def entries_by_id(self, entry_ids: Sequence[int]) -> Mapping[int, JournalEntry]: ...
    async def balance(self, book: str, code: str, as_of: date | None = None) -> Money: ...
    async def books(self) -> Sequence[Book]: ...
    async def accounts(self, book: str | None = None) -> Sequence[Account]: ...
    async def create_book(self, code: str, name: str, description: str = "") -> Book: ...
    async def open_account(self, spec: AccountSpec) -> Account: ...


class IdempotencyPort(Protocol):
    """The record of idempotency keys: the first use's fingerprint and result."""

    async def replay(self, key: str, operation: str, fingerprint: str) -> Any | None:
        """The stored result for ``key``; ``None`` if new; IDEMPOTENCY_CONFLICT if the
        key was used for another operation or fingerprint."""
        ...

    async def reserve(self, key: str, operation: str, fingerprint: str) -> None:
        """Store the key's record before the command runs (its result follows).

        The first write of a keyed command, so that two first uses of one key
        meet here — the loser waits for the winner's transaction and then gets
        :class:`IdempotencyRace` — before either touches anything else.
        """
        ...

    async def remember(self, key: str, result: Any) -> None:
        """Complete the reserved record with the command's result."""
        ...


class Guarantees(Protocol):
    async def accepted(self, loan_id: int) -> bool: ...
    async def add(self, acceptance: GuaranteeAcceptance) -> None: ...


class UnitOfWork(Protocol):
    """One transaction of one use case: everything commits together or nothing does."""

    @property
    def institutions(self) -> Institutions: ...
    @property
    def firms(self) -> Firms: ...
    @property
    def loans(self) -> Loans: ...
    @property
    def guarantees(self) -> Guarantees: ...
    @property
    def claims(self) -> Claims: ...
    @property
    def innovation(self) -> InnovationRecords: ...
    @property
    def ledger(self) -> LedgerPort: ...
    @property
    def idempotency(self) -> IdempotencyPort: ...

    def now(self) -> datetime:
        """The server's clock (aware, UTC): the time of every workflow step and event.

        Inside a history import (:meth:`import_at`) it is the imported record's time.
        """
        ...

    def business_dates(self) -> BusinessDates:
        """Today's business date by :meth:`now` and how far back a reported date may lie."""
        ...

    def import_at(self, at: datetime) -> None:
        """Make this unit a history import of a record that happened at ``at`` (past,
        aware): :meth:`now` answers ``at`` and business dates count from it.

        Called by the bus's operator-only import path before the unit is entered.
        """
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None: ...
