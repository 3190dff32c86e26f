"""An in-memory unit of work: repositories in dicts and a ledger that records postings.

Handler tests run the use cases on it without any database. It keeps the
properties the handlers rely on: a unit of work commits everything or nothing
(the store is restored on an exception), loaded objects are copies (a change
is only kept when saved), the ledger refuses an unbalanced entry and an
overdraft of a no-overdraft account, and idempotency keys answer replays.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, TypeVar

from moneyed import Money

from riskpool.domain.model.claim import Claim
from riskpool.domain.model.dates import BusinessDates, imported_time
from riskpool.domain.model.guarantee import GuaranteeAcceptance
from riskpool.domain.model.innovation.catalogue import (
    CURRENT_CORE,
    Catalogue,
    Indicator,
    core_catalogue,
)
from riskpool.domain.model.innovation.runs import ScoredRun, ScoringRun
from riskpool.domain.model.innovation.scoring import FirmScore
from riskpool.domain.model.innovation.submission import Submission
from riskpool.domain.model.loan import Loan
from riskpool.domain.model.parties import Actor, Firm, Institution
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.model import (
    Account,
    AccountSpec,
    Book,
    EntrySpec,
    JournalEntry,
    Posting,
    freeze_metadata,
)

T = TypeVar("T")


def _clone(value: T) -> T:
    """A deep copy, sharing what is immutable and shipped (a claim's policy)."""
    policy = getattr(value, "policy", None)
    memo: dict[int, Any] = {} if policy is None else {id(policy): policy}
    return copy.deepcopy(value, memo)


def _missing(what: str, ident: object) -> RiskpoolError:
    return RiskpoolError(ErrorCode.NOT_FOUND, f"no {what} #{ident}", field="id")


@dataclass
class Store:
    """Everything the fake database holds; a unit of work restores it on failure."""

    institutions: dict[int, Institution] = field(default_factory=dict)
    firms: dict[int, Firm] = field(default_factory=dict)
    loans: dict[int, Loan] = field(default_factory=dict)
    claims: dict[int, Claim] = field(default_factory=dict)
    acceptances: dict[int, GuaranteeAcceptance] = field(default_factory=dict)
    books: dict[str, Book] = field(default_factory=dict)
    accounts: dict[tuple[str, str], Account] = field(default_factory=dict)
    entries: list[JournalEntry] = field(default_factory=list)
    records: dict[str, tuple[str, str, Any]] = field(default_factory=dict)
    local_indicators: dict[str, list[Indicator]] = field(default_factory=dict)
    submissions: dict[int, Submission] = field(default_factory=dict)
    runs: dict[int, ScoredRun] = field(default_factory=dict)
    ids: Any = field(default_factory=lambda: itertools.count(1))
    commits: int = 0

    def snapshot(self) -> dict[str, Any]:
        """Copies of the containers: stored values are never changed in place (repositories
        store copies, ledger records are immutable), so this is a full snapshot."""
        return {
            name: copy.copy(value) if isinstance(value, dict | list) else value
            for name, value in vars(self).items()
            if name not in ("ids", "commits")
        }


class _Institutions:
    def __init__(self, store: Store) -> None:
        self.s = store

    async def add(self, institution: Institution) -> Institution:
        if any(i.name == institution.name for i in self.s.institutions.values()):
            raise RiskpoolError(ErrorCode.DUPLICATE, f"{institution.name} exists", field="name")
        institution.id = next(self.s.ids)
        self.s.institutions[institution.id] = _clone(institution)
        return institution

    async def get(self, institution_id: int, *, lock: bool = False) -> Institution:
        if institution_id not in self.s.institutions:
            raise _missing("institution", institution_id)
        return _clone(self.s.institutions[institution_id])

    async def save(self, institution: Institution) -> None:
        assert institution.id is not None
        self.s.institutions[institution.id] = _clone(institution)


class _Firms:
    def __init__(self, store: Store) -> None:
        self.s = store

    async def add(self, firm: Firm) -> Firm:
        if any(f.uscc == firm.uscc for f in self.s.firms.values()):
            raise RiskpoolError(ErrorCode.DUPLICATE, f"firm {firm.uscc} exists", field="uscc")
        stored = replace(firm, id=next(self.s.ids))
        assert stored.id is not None
        self.s.firms[stored.id] = stored
        return stored

    async def get(self, firm_id: int) -> Firm:
        if firm_id not in self.s.firms:
            raise _missing("firm", firm_id)
        return self.s.firms[firm_id]


class _Loans:
    def __init__(self, store: Store) -> None:
        self.s = store

    async def add(self, loan: Loan) -> Loan:
        if any(other.contract_no == loan.contract_no for other in self.s.loans.values()):
            raise RiskpoolError(ErrorCode.DUPLICATE, "contract exists", field="contractNo")
        loan.id = next(self.s.ids)
        self.s.loans[loan.id] = _clone(loan)
        return loan

    async def get(self, loan_id: int, *, lock: bool = False) -> Loan:
        if loan_id not in self.s.loans:
            raise _missing("loan", loan_id)
        return _clone(self.s.loans[loan_id])

    async def save(self, loan: Loan) -> None:
        assert loan.id is not None
        self.s.loans[loan.id] = _clone(loan)

    async def for_firm(self, firm_id: int) -> list[Loan]:
        return [_clone(x) for x in self.s.loans.values() if x.firm_id == firm_id]

    async def for_institution(self, institution_id: int) -> list[Loan]:
        return [
            _clone(x)
            for x in self.s.loans.values()
            if institution_id in (x.lender_id, x.guarantor_id)
        ]

    async def lends_to(self, institution_id: int, firm_id: int) -> bool:
        return any(x.firm_id == firm_id for x in await self.for_institution(institution_id))


class _Guarantees:
    def __init__(self, store: Store) -> None:
        self.s = store

    async def accepted(self, loan_id: int) -> bool:
        return loan_id in self.s.acceptances

    async def add(self, acceptance: GuaranteeAcceptance) -> None:
        self.s.acceptances[acceptance.loan_id] = acceptance


class _Claims:
    def __init__(self, store: Store) -> None:
        self.s = store

    async def add(self, claim: Claim) -> Claim:
        claim.id = next(self.s.ids)
        self.s.claims[claim.id] = _clone(claim)
        return claim

    async def get(self, claim_id: int, *, lock: bool = False) -> Claim:
        if claim_id not in self.s.claims:
            raise _missing("claim", claim_id)
        return _clone(self.s.claims[claim_id])

    async def save(self, claim: Claim) -> None:
        assert claim.id is not None
        self.s.claims[claim.id] = _clone(claim)

    async def for_loan(self, loan_id: int) -> list[Claim]:
        return [_clone(c) for c in self.s.claims.values() if c.loan_id == loan_id]

    async def for_loans(self, loan_ids: Iterable[int]) -> list[Claim]:
        wanted = set(loan_ids)
        return [_clone(c) for c in self.s.claims.values() if c.loan_id in wanted]


class _Innovation:
    def __init__(self, store: Store) -> None:
        self.s = store

    async def catalogue(self, version: str | None = None) -> Catalogue:
        core = core_catalogue(version) if version is not None else CURRENT_CORE
        local = self.s.local_indicators.get(core.version, [])
        count = (
            len(local) if version is None or "+L" not in version else int(version.split("+L")[1])
        )
        return core.with_local(local[:count])

    async def add_local_indicator(
        self, base_version: str, indicator: Indicator, actor: Actor, at: datetime
    ) -> None:
        existing = self.s.local_indicators.get(base_version, [])
        self.s.local_indicators[base_version] = [*existing, indicator]

    async def add_submission(self, submission: Submission) -> Submission:
        stored = replace(submission, id=next(self.s.ids))
        assert stored.id is not None
        self.s.submissions[stored.id] = stored
        return stored

    async def submission(self, submission_id: int) -> Submission:
        return self.s.submissions[submission_id]

    async def latest_submissions(self, year: int) -> list[Submission]:
        latest: dict[int, Submission] = {}
        for ident in sorted(self.s.submissions):
            submission = self.s.submissions[ident]
            if submission.year == year:
                latest[submission.firm_id] = submission
        return [latest[firm] for firm in sorted(latest)]

    async def add_run(
        self,
        *,
        year: int,
        catalogue: Catalogue,
        tier_cuts: Sequence[Decimal],
        scores: Sequence[FirmScore],
        actor: Actor,
        at: datetime,
    ) -> ScoringRun:
        run = ScoringRun(
            next(self.s.ids), year, catalogue.version, tuple(tier_cuts), len(scores), actor, at
        )
        self.s.runs[run.id] = ScoredRun(run, tuple(scores))
        for score in scores:
            firm = self.s.firms[score.firm_id]
            self.s.firms[score.firm_id] = replace(firm, innovation_tier=score.tier)
        return run

    async def scored_run(self, run_id: int) -> ScoredRun:
        return self.s.runs[run_id]


class RecordingLedger:
    """The ledger as a list of entries: balances are sums of the recorded postings."""

    def __init__(self, store: Store) -> None:
        self.s = store

    async def books(self) -> list[Book]:
        return list(self.s.books.values())

    async def accounts(self, book: str | None = None) -> list[Account]:
        return [a for (b, _), a in self.s.accounts.items() if book is None or b == book]

    async def create_book(self, code: str, name: str, description: str = "") -> Book:
        book = Book(next(self.s.ids), code, name, description)
        self.s.books[code] = book
        return book

    async def open_account(self, spec: AccountSpec) -> Account:
        account = Account(
            next(self.s.ids), spec.book, spec.code, spec.name, spec.type, spec.currency,
            spec.opened_on, None, spec.parent, spec.debits_must_not_exceed_credits,
            spec.credits_must_not_exceed_debits,
        )  # fmt: skip
        self.s.accounts[(spec.book, spec.code)] = account
        return account

    def _account(self, book: str, code: str) -> Account:
        if (book, code) not in self.s.accounts:
            raise RiskpoolError(ErrorCode.UNKNOWN_ACCOUNT, f"no account {book}/{code}")
        return self.s.accounts[(book, code)]

    async def balance(self, book: str, code: str, as_of: date | None = None) -> Money:
        account = self._account(book, code)
        total = Money(Decimal("0.00"), account.currency)
        for entry in self.s.entries:
            if entry.book != book or (as_of is not None and entry.effective_date > as_of):
                continue
            for posting in entry.postings:
                if posting.account == code:
                    total += posting.amount
        return total

    async def post_many(self, specs: Sequence[EntrySpec]) -> list[JournalEntry]:
        return [await self._post(spec) for spec in specs]

    async def _post(self, spec: EntrySpec) -> JournalEntry:
        for entry in self.s.entries:
            if entry.idempotency_key == spec.idempotency_key:
                return entry
        sums: dict[str, Decimal] = {}
        for leg in spec.postings:
            sums[leg.amount.currency.code] = sums.get(leg.amount.currency.code, Decimal(0)) + (
                leg.amount.amount
            )
        if any(sums.values()):
            raise RiskpoolError(ErrorCode.UNBALANCED, "postings do not sum to zero")
        entry_id = next(self.s.ids)
        postings = []
        for seq, leg in enumerate(spec.postings, 1):
            account = self._account(spec.book, leg.account)
            after = await self.balance(spec.book, leg.account) + leg.amount
            if account.credits_must_not_exceed_debits and after.amount < 0:
                raise RiskpoolError(ErrorCode.INSUFFICIENT_FUNDS, f"{leg.account} would overdraw")
            if account.debits_must_not_exceed_credits and after.amount > 0:
                raise RiskpoolError(ErrorCode.INSUFFICIENT_FUNDS, f"{leg.account} over-debited")
            postings.append(Posting(entry_id, account.id, leg.account, leg.amount, seq, after, ""))
        entry = JournalEntry(
            id=entry_id,
            book=spec.book,
            effective_date=spec.effective_date,
            booked_at=datetime(2026, 1, 1, tzinfo=UTC),
            description=spec.description,
            metadata=freeze_metadata(spec.metadata),
            idempotency_key=spec.idempotency_key,
            actor=spec.actor,
            reverses=None,
            entry_hash=hashlib.sha256(str(entry_id).encode()).hexdigest(),
            postings=tuple(postings),
        )
        self.s.entries.append(entry)
        return entry

    async def entries_by_id(self, entry_ids: Sequence[int]) -> Mapping[int, JournalEntry]:
        wanted = set(entry_ids)
        return {e.id: e for e in self.s.entries if e.id in wanted}


class _Records:
    def __init__(self, store: Store) -> None:
        self.s = store

    async def replay(self, key: str, operation: str, fingerprint: str) -> Any | None:
        if key not in self.s.records:
            return None
        op, digest, result = self.s.records[key]
        if (op, digest) != (operation, fingerprint):
            raise RiskpoolError(
                ErrorCode.IDEMPOTENCY_CONFLICT, "key reused", field="idempotencyKey"
            )
        return result

    async def reserve(self, key: str, operation: str, fingerprint: str) -> None:
        assert key not in self.s.records
        self.s.records = {**self.s.records, key: (operation, fingerprint, None)}

    async def remember(self, key: str, result: Any) -> None:
        operation, fingerprint, _ = self.s.records[key]
        self.s.records = {**self.s.records, key: (operation, fingerprint, _clone(result))}


class FakeUnitOfWork:
    """One all-or-nothing change of a :class:`Store`."""

    def __init__(self, store: Store, now: datetime) -> None:
        self.store = store
        self._now = now
        self._imported = False
        self.institutions = _Institutions(store)
        self.firms = _Firms(store)
        self.loans = _Loans(store)
        self.guarantees = _Guarantees(store)
        self.claims = _Claims(store)
        self.innovation = _Innovation(store)
        self.ledger = RecordingLedger(store)
        self.idempotency = _Records(store)
        self._before: dict[str, Any] | None = None

    def now(self) -> datetime:
        return self._now

    def business_dates(self) -> BusinessDates:
        return BusinessDates.at(self._now, imported=self._imported)

    def import_at(self, at: datetime) -> None:
        self._now = imported_time(at, self._now)
        self._imported = True

    async def __aenter__(self) -> FakeUnitOfWork:
        self._before = self.store.snapshot()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._before is not None
        if exc is not None:
            vars(self.store).update(self._before)
        else:
            self.store.commits += 1
