"""Model-based stateful test of the whole ledger, on SQLite and on PostgreSQL.

Hypothesis drives random sequences of ledger operations — opening accounts,
single posts, ``post_many`` batches (some of which must fail as a whole),
reversals (and second reversals), idempotent replays and conflicting replays —
against a real database, and after every step compares the database with a
small in-memory model:

* every book nets to zero per currency (conservation);
* each account's cached balance = Σ its postings = the model's balance, and
  its version = the number of its postings;
* the balance flags hold, and a refusal carries exactly the code the model
  predicts (``INSUFFICIENT_FUNDS`` exactly when a flag would break, …);
* replays return the first entry and change nothing; posted entries never
  change;
* :func:`riskpool.ledger.verify.verify` reports ``ok``.

Every Hypothesis example gets its own freshly migrated database (examples
must be independent) and its own event loop: stateful tests are synchronous,
so the test is a plain ``def`` that drives the async ledger by hand.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections import defaultdict
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from moneyed import Money
from sqlalchemy import func, select, text

from riskpool.db import Database, create_engine
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.model import AccountSpec, AccountType, EntrySpec, JournalEntry, PostingSpec
from riskpool.ledger.schema import balances, entries, postings
from riskpool.ledger.service import Ledger
from riskpool.ledger.store import LedgerStore
from riskpool.ledger.verify import verify

T = TypeVar("T")

D0 = date(2025, 1, 1)
CURRENCY = "CNY"
BOOKS = ("POOL", "MEMO")
UNKNOWN = 10**9  # an entry id that never exists
MAX_UNITS = 30_000  # 300.00 CNY per leg: small enough for the flags to bite often

SETTINGS = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    database=None,  # no .hypothesis folder in the repository; failures print their steps
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# -- fresh databases ---------------------------------------------------------------------


class _PostgresServer(Protocol):
    template: str

    def url(self, database: str) -> str: ...


_names = itertools.count()


@dataclass
class FreshDatabases:
    """Hands out a freshly migrated, empty database per Hypothesis example.

    Built from the session fixtures of ``tests/conftest.py``: a copy of the
    migrated SQLite template file, or ``CREATE DATABASE … TEMPLATE`` on the
    session's PostgreSQL server. Runs inside the caller's event loop.
    """

    dialect: str
    folder: Path
    sqlite_template: Path | None = None
    server: _PostgresServer | None = None

    async def create(self) -> str:
        name = f"sm_{os.getpid()}_{next(_names)}"
        if self.dialect == "sqlite":
            assert self.sqlite_template is not None
            path = self.folder / f"{name}.db"
            shutil.copyfile(self.sqlite_template, path)
            return f"sqlite+aiosqlite:///{path}"
        assert self.server is not None
        await self._admin(f"CREATE DATABASE {name} TEMPLATE {self.server.template}")
        return self.server.url(name)

    async def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        if self.dialect == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                (self.folder / f"{Path(name).name}{suffix}").unlink(missing_ok=True)
            return
        await self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    async def _admin(self, statement: str) -> None:
        assert self.server is not None
        admin = create_engine(self.server.url("postgres"))
        try:
            async with admin.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text(statement))
        finally:
            await admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_databases(request: pytest.FixtureRequest, tmp_path: Path) -> FreshDatabases:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        return FreshDatabases("sqlite", tmp_path, sqlite_template=template)
    server: _PostgresServer = request.getfixturevalue("postgres_server")
    return FreshDatabases("postgresql", tmp_path, server=server)


# -- the model -----------------------------------------------------------------------------

Flag: TypeAlias = Literal["none", "no_overdraft", "no_overcredit"]
Legs: TypeAlias = tuple[tuple[str, int], ...]  # (account code, signed minor units)
# What the payload hash stands for: equal identities replay, different ones conflict.
Identity: TypeAlias = tuple[Any, ...]


def units_of(amount: Money) -> int:
    """Minor units of a CNY amount (the model's own conversion, exact)."""
    assert amount.currency.code == CURRENCY
    scaled = amount.amount * 100
    assert scaled == scaled.to_integral_value()
    return int(scaled)


def cny_units(units: int) -> Money:
    return Money(Decimal(units) / Decimal(100), CURRENCY)


def legs_of(spec: EntrySpec) -> Legs:
    return tuple((leg.account, units_of(leg.amount)) for leg in spec.postings)


def post_identity(spec: EntrySpec) -> Identity:
    return (
        "post",
        spec.book,
        spec.effective_date,
        spec.description,
        legs_of(spec),
        tuple(sorted(spec.metadata.items())),
        spec.actor,
    )


@dataclass
class ModelAccount:
    id: int
    book: str
    code: str
    flag: Flag
    opened_on: date
    balance: int = 0
    count: int = 0
    days: dict[date, int] = field(default_factory=dict)  # net movement per business date

    def allows(self, balance: int) -> bool:
        if self.flag == "no_overdraft":
            return balance >= 0
        if self.flag == "no_overcredit":
            return balance <= 0
        return True


@dataclass
class ModelEntry:
    entry: JournalEntry  # as the ledger returned it when it was posted
    identity: Identity
    legs: Legs
    reversed_by: int | None = None


@dataclass(frozen=True)
class Request:
    """One entry request in model terms (a post, or the entry a reversal would post)."""

    key: str
    identity: Identity
    book: str
    effective_date: date
    legs: Legs
    reverses: int | None = None

    @property
    def well_formed(self) -> bool:
        """What ``prepare`` checks for the requests this test builds: ≥ 2 legs, zero sum."""
        return len(self.legs) >= 2 and sum(units for _, units in self.legs) == 0


def request_of(spec: EntrySpec) -> Request:
    return Request(
        spec.idempotency_key, post_identity(spec), spec.book, spec.effective_date, legs_of(spec)
    )


@dataclass
class Prediction:
    """The model's verdict on a batch: a refusal code, or the requests that are new."""

    error: ErrorCode | None
    fresh: list[Request] = field(default_factory=list)


@dataclass
class Model:
    accounts: dict[tuple[str, str], ModelAccount] = field(default_factory=dict)
    entries: dict[int, ModelEntry] = field(default_factory=dict)
    keys: dict[str, int] = field(default_factory=dict)
    posted_specs: dict[str, EntrySpec] = field(default_factory=dict)
    reversal_calls: dict[str, tuple[int, str, str, date | None]] = field(default_factory=dict)

    def book_accounts(self, book: str) -> list[ModelAccount]:
        return [a for (b, _), a in sorted(self.accounts.items()) if b == book]

    def predict(self, requests: Sequence[Request]) -> Prediction:
        """Follow the documented write path: each request in batch order is
        validated, then its key, its accounts and the balance flags are checked;
        the first request that fails refuses the batch."""
        seen: dict[str, Request] = {}
        fresh: list[Request] = []
        running = {k: dict(a.days) for k, a in self.accounts.items()}
        for r in requests:
            if not r.well_formed:
                return Prediction(ErrorCode.UNBALANCED)
            earlier = seen.get(r.key)
            if earlier is not None:
                if earlier.identity != r.identity:
                    return Prediction(ErrorCode.IDEMPOTENCY_CONFLICT)
                continue
            seen[r.key] = r
            stored = self.keys.get(r.key)
            if stored is not None:
                if self.entries[stored].identity != r.identity:
                    return Prediction(ErrorCode.IDEMPOTENCY_CONFLICT)
                continue
            for code, _ in r.legs:
                if self.accounts[(r.book, code)].opened_on > r.effective_date:
                    return Prediction(ErrorCode.ACCOUNT_CLOSED)
            for code, units in r.legs:
                # The flag holds at the close of the entry's day and of every
                # later day with movements (issue 16: not only the latest balance).
                days = running[(r.book, code)]
                for day in sorted({r.effective_date, *(d for d in days if d >= r.effective_date)}):
                    closing = sum(n for d, n in days.items() if d <= day)
                    if not self.accounts[(r.book, code)].allows(closing + units):
                        return Prediction(ErrorCode.INSUFFICIENT_FUNDS)
            for code, units in r.legs:
                days = running[(r.book, code)]
                days[r.effective_date] = days.get(r.effective_date, 0) + units
            fresh.append(r)
        return Prediction(None, fresh)

    def record(self, request: Request, entry: JournalEntry) -> None:
        """Apply a newly posted entry, checking what the ledger returned for it."""
        assert entry.id not in self.entries
        assert all(entry.id > known for known in self.entries), "entry ids must grow"
        assert entry.idempotency_key == request.key
        assert entry.book == request.book
        assert entry.effective_date == request.effective_date
        assert entry.reverses == request.reverses
        assert tuple((p.account, units_of(p.amount)) for p in entry.postings) == request.legs
        for posting, (code, units) in zip(entry.postings, request.legs, strict=True):
            account = self.accounts[(request.book, code)]
            account.balance += units
            account.count += 1
            day = request.effective_date
            account.days[day] = account.days.get(day, 0) + units
            assert posting.account_id == account.id
            assert posting.account_seq == account.count
            assert units_of(posting.balance_after) == account.balance
            assert len(posting.prev_hash) == 64
        assert len(entry.entry_hash) == 64
        self.entries[entry.id] = ModelEntry(entry, request.identity, request.legs)
        self.keys[request.key] = entry.id
        if request.reverses is not None:
            self.entries[request.reverses].reversed_by = entry.id


# -- strategies ----------------------------------------------------------------------------

signed_units = st.integers(1, MAX_UNITS).flatmap(
    lambda n: st.sampled_from([n, -n])
) | st.sampled_from([100, -100, 5_000, -5_000])
entry_dates = st.integers(0, 20).map(lambda days: D0 + timedelta(days=days))
descriptions = st.sampled_from(["保费收入", "代偿支出", "财政拨入", "adjustment"])
actors = st.sampled_from(["alice", "bob"])
metadatas: st.SearchStrategy[dict[str, Any]] = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"ref": st.sampled_from(["A-1", "B-2"])}),
    st.fixed_dictionaries({"n": st.integers(0, 3), "ok": st.booleans()}),
)
reasons = st.sampled_from(["typo", "duplicate"])


def type_for(flag: Flag, draw: st.DataObject) -> AccountType:
    if flag == "no_overdraft":
        return draw.draw(st.sampled_from([AccountType.ASSET, AccountType.EXPENSE]))
    if flag == "no_overcredit":
        return draw.draw(
            st.sampled_from([AccountType.LIABILITY, AccountType.INCOME, AccountType.NET_ASSETS])
        )
    return draw.draw(st.sampled_from(list(AccountType)))


CHANGES = ["amounts", "signs", "description", "date", "actor", "metadata"]


def respell(spec: EntrySpec) -> EntrySpec:
    """An equal request built anew: amounts with two decimals written out, a fresh metadata dict."""
    return replace(
        spec,
        postings=tuple(
            PostingSpec(leg.account, Money(leg.amount.amount.quantize(Decimal("0.01")), CURRENCY))
            for leg in spec.postings
        ),
        metadata=dict(reversed(list(spec.metadata.items()))),
    )


def changed(spec: EntrySpec, change: str) -> EntrySpec:
    """``spec`` with one field of its payload changed (still a well-formed request)."""
    if change in ("amounts", "signs"):
        factor = 2 if change == "amounts" else -1
        legs = tuple(PostingSpec(leg.account, leg.amount * factor) for leg in spec.postings)
        return replace(spec, postings=legs)
    if change == "description":
        return replace(spec, description=spec.description + " (changed)")
    if change == "date":
        return replace(spec, effective_date=spec.effective_date + timedelta(days=1))
    if change == "actor":
        return replace(spec, actor="carol")
    return replace(spec, metadata={**spec.metadata, "changed": True})


# -- the machine ---------------------------------------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, databases: FreshDatabases) -> None:
        super().__init__()
        self.databases = databases
        self.loop = asyncio.new_event_loop()
        self.url = self.run(databases.create())
        self.db = Database.from_url(self.url)
        self.ledger = Ledger(self.db)
        self.model = Model()
        self._keys = itertools.count(1)
        self._codes = itertools.count(1)

    # -- plumbing --

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def call(self, expected: ErrorCode | None, coro: Coroutine[Any, Any, T]) -> T | None:
        """Run a ledger call; it must fail with ``expected``, or succeed when that is None."""
        try:
            result = self.run(coro)
        except RiskpoolError as exc:
            assert expected is not None, f"model expected success, ledger refused: {exc!r}"
            assert exc.code is expected, f"model expected {expected}, ledger refused: {exc!r}"
            return None
        assert expected is None, f"model expected {expected}, ledger accepted"
        return result

    def teardown(self) -> None:
        try:
            self.run(self.db.dispose())
            self.run(self.databases.drop(self.url))
            self.run(self.loop.shutdown_asyncgens())
        finally:
            self.loop.close()

    def new_key(self) -> str:
        return f"k{next(self._keys)}"

    # -- building requests --

    def draw_spec(
        self, data: st.DataObject, *, key: str | None = None, balanced: bool = True
    ) -> EntrySpec:
        """A random entry over 2–4 accounts of one book (zero-sum unless ``balanced`` is off)."""
        book = data.draw(st.sampled_from(BOOKS), label="book")
        codes = [a.code for a in self.model.book_accounts(book)]
        count = data.draw(st.integers(2, min(4, len(codes))), label="legs")
        chosen = data.draw(st.permutations(codes), label="accounts")[:count]
        amounts = [data.draw(signed_units, label="units") for _ in range(count - 1)]
        last = -sum(amounts)
        if last == 0:  # keep every leg non-zero
            bump = 1 if amounts[0] != -1 else 2
            amounts[0] += bump
            last = -bump
        if not balanced:
            last += 1 if last != -1 else -1
        amounts.append(last)
        return EntrySpec(
            book=book,
            effective_date=data.draw(entry_dates, label="date"),
            description=data.draw(descriptions, label="description"),
            postings=tuple(
                PostingSpec(code, cny_units(units))
                for code, units in zip(chosen, amounts, strict=True)
            ),
            idempotency_key=key or self.new_key(),
            actor=data.draw(actors, label="actor"),
            metadata=data.draw(metadatas, label="metadata"),
        )

    def draw_flagged_pair(
        self, data: st.DataObject, book: str
    ) -> tuple[ModelAccount, ModelAccount]:
        """A flagged account of ``book`` and another account of it (drawn by code)."""
        accounts = {a.code: a for a in self.model.book_accounts(book)}
        flagged = data.draw(
            st.sampled_from(sorted(c for c, a in accounts.items() if a.flag != "none")),
            label="flagged account",
        )
        other = data.draw(
            st.sampled_from(sorted(c for c in accounts if c != flagged)), label="other account"
        )
        return accounts[flagged], accounts[other]

    def draw_funding(self, data: st.DataObject) -> EntrySpec:
        """A two-leg entry that moves a flagged account the way its flag allows."""
        book = data.draw(st.sampled_from(BOOKS), label="book")
        flagged, other = self.draw_flagged_pair(data, book)
        units = data.draw(st.integers(1, MAX_UNITS), label="units")
        if flagged.flag == "no_overcredit":
            units = -units
        return EntrySpec(
            book=book,
            effective_date=data.draw(entry_dates, label="date"),
            description="funding",
            postings=(
                PostingSpec(flagged.code, cny_units(units)),
                PostingSpec(other.code, cny_units(-units)),
            ),
            idempotency_key=self.new_key(),
            actor="alice",
        )

    # -- posting --

    def post_batch(self, specs: Sequence[EntrySpec], *, many: bool) -> Prediction:
        """Post ``specs`` (one ``post`` or one ``post_many``) and check it against the model."""
        requests = [request_of(spec) for spec in specs]
        prediction = self.model.predict(requests)
        before = dict(self.model.keys)
        if many:
            result = self.call(prediction.error, self.ledger.post_many(list(specs)))
        else:
            assert len(specs) == 1
            one = self.call(prediction.error, self.ledger.post(specs[0]))
            result = None if one is None else [one]
        if result is None:
            return prediction
        assert len(result) == len(specs)
        new_ids = {
            entry.idempotency_key: entry.id for entry in result if entry.id not in before.values()
        }
        assert sorted(new_ids) == sorted({r.key for r in prediction.fresh})
        fresh_entries = {entry.id: entry for entry in result}
        for request in prediction.fresh:
            self.model.record(request, fresh_entries[new_ids[request.key]])
        for spec, entry in zip(specs, result, strict=True):
            stored = self.model.entries[self.model.keys[spec.idempotency_key]]
            assert entry == stored.entry, "a replay must return the first entry unchanged"
            self.model.posted_specs.setdefault(spec.idempotency_key, spec)
        return prediction

    # -- rules --

    @initialize()
    def open_books(self) -> None:
        """Two books, each with a no-overdraft, an unflagged and a no-overcredit account."""
        seeds: list[tuple[str, AccountType, Flag]] = [
            ("1002", AccountType.ASSET, "no_overdraft"),
            ("3001", AccountType.NET_ASSETS, "none"),
            ("2201", AccountType.LIABILITY, "no_overcredit"),
        ]
        for book in BOOKS:
            self.run(self.ledger.create_book(book, f"book {book}"))
            for code, kind, flag in seeds:
                self.open(book, code, kind, flag, D0)

    def open(self, book: str, code: str, kind: AccountType, flag: Flag, opened_on: date) -> None:
        account = self.run(
            self.ledger.open_account(
                AccountSpec(
                    book,
                    code,
                    f"{code} 科目",
                    kind,
                    CURRENCY,
                    opened_on,
                    credits_must_not_exceed_debits=flag == "no_overdraft",
                    debits_must_not_exceed_credits=flag == "no_overcredit",
                )
            )
        )
        assert account.book == book and account.code == code and account.opened_on == opened_on
        assert account.credits_must_not_exceed_debits == (flag == "no_overdraft")
        assert account.debits_must_not_exceed_credits == (flag == "no_overcredit")
        assert (book, code) not in self.model.accounts
        self.model.accounts[(book, code)] = ModelAccount(account.id, book, code, flag, opened_on)

    @rule(
        data=st.data(),
        book=st.sampled_from(BOOKS),
        flag=st.sampled_from(["none", "no_overdraft", "no_overcredit"]),
        opened=st.sampled_from([0, 0, 0, 10]),
        variant=st.sampled_from(["new", "new", "new", "duplicate", "both flags"]),
    )
    @precondition(lambda self: len(self.model.accounts) < 12)
    def open_account(
        self, data: st.DataObject, book: str, flag: Flag, opened: int, variant: str
    ) -> None:
        """Open an account of any flag kind; a duplicate code or both flags are refused."""
        code = f"6{next(self._codes):03d}"
        if variant == "new":
            self.open(book, code, type_for(flag, data), flag, D0 + timedelta(days=opened))
            return
        if variant == "duplicate":
            code = data.draw(st.sampled_from([a.code for a in self.model.book_accounts(book)]))
        spec = AccountSpec(
            book,
            code,
            "refused",
            AccountType.ASSET,
            CURRENCY,
            D0,
            debits_must_not_exceed_credits=variant == "both flags",
            credits_must_not_exceed_debits=variant == "both flags",
        )
        expected = ErrorCode.DUPLICATE if variant == "duplicate" else ErrorCode.INVALID_ACCOUNT
        self.call(expected, self.ledger.open_account(spec))

    @rule(data=st.data(), balanced=st.sampled_from([True] * 7 + [False]))
    def post(self, data: st.DataObject, balanced: bool) -> None:
        """One entry; an unbalanced one is refused (UNBALANCED) before the database."""
        prediction = self.post_batch([self.draw_spec(data, balanced=balanced)], many=False)
        assert balanced or prediction.error is ErrorCode.UNBALANCED

    @rule(data=st.data())
    def fund(self, data: st.DataObject) -> None:
        self.post_batch([self.draw_funding(data)], many=False)

    @rule(data=st.data(), size=st.integers(1, 4))
    def post_many(self, data: st.DataObject, size: int) -> None:
        """A batch mixing new entries, replays and in-batch duplicates (some batches fail)."""
        specs: list[EntrySpec] = []
        kinds = ["funding"] * 6 + ["new"] * 4 + ["replay"] * 3 + ["duplicate"] * 2
        kinds += ["conflict", "unbalanced"]
        for _ in range(size):
            kind = data.draw(st.sampled_from(kinds), label="kind")
            if kind == "replay" and self.model.posted_specs:
                key = data.draw(st.sampled_from(sorted(self.model.posted_specs)))
                specs.append(respell(self.model.posted_specs[key]))
            elif kind in ("duplicate", "conflict") and specs:
                earlier = data.draw(st.sampled_from(specs))
                if kind == "duplicate":
                    specs.append(earlier)
                else:
                    specs.append(self.draw_spec(data, key=earlier.idempotency_key))
            elif kind == "funding":
                specs.append(self.draw_funding(data))
            else:
                specs.append(self.draw_spec(data, balanced=kind != "unbalanced"))
        self.post_batch(specs, many=True)

    @rule(data=st.data(), size=st.integers(0, 3))
    def post_many_that_overdraws(self, data: st.DataObject, size: int) -> None:
        """Good entries followed by one that breaks a flag: the whole batch is refused."""
        specs = [self.draw_funding(data) for _ in range(size)]
        prediction = self.model.predict([request_of(s) for s in specs])
        if prediction.error is None:
            running = {k: a.balance for k, a in self.model.accounts.items()}
            for r in prediction.fresh:
                for code, units in r.legs:
                    running[(r.book, code)] += units
            book = data.draw(st.sampled_from(BOOKS), label="book")
            flagged, other = self.draw_flagged_pair(data, book)
            held = running[(book, flagged.code)]
            units = -held - data.draw(st.integers(1, MAX_UNITS), label="excess")
            if flagged.flag == "no_overcredit":
                units = -held + data.draw(st.integers(1, MAX_UNITS), label="excess")
            day = max(D0 + timedelta(days=20), flagged.opened_on, other.opened_on)
            specs.append(
                EntrySpec(
                    book=book,
                    effective_date=day,
                    description="overdraw",
                    postings=(
                        PostingSpec(flagged.code, cny_units(units)),
                        PostingSpec(other.code, cny_units(-units)),
                    ),
                    idempotency_key=self.new_key(),
                    actor="bob",
                )
            )
        prediction = self.post_batch(specs, many=True)
        assert prediction.error in (ErrorCode.INSUFFICIENT_FUNDS, ErrorCode.ACCOUNT_CLOSED)

    @rule(data=st.data())
    @precondition(lambda self: bool(self.model.posted_specs))
    def replay_post(self, data: st.DataObject) -> None:
        """Same key, same payload (spelt differently): the first entry, nothing changes."""
        key = data.draw(st.sampled_from(sorted(self.model.posted_specs)))
        many = data.draw(st.booleans(), label="via post_many")
        prediction = self.post_batch([respell(self.model.posted_specs[key])], many=many)
        assert prediction.error is None and not prediction.fresh

    @rule(data=st.data(), change=st.sampled_from(CHANGES))
    @precondition(lambda self: bool(self.model.keys))
    def conflicting_replay(self, data: st.DataObject, change: str) -> None:
        """Same key, another payload: IDEMPOTENCY_CONFLICT and nothing changes.

        A posted request is changed in one field only; a reversal's key gets a
        whole new request."""
        key = data.draw(st.sampled_from(sorted(self.model.keys)))
        original = self.model.posted_specs.get(key)
        if original is None:
            spec = self.draw_spec(data, key=key)
        else:
            spec = changed(original, change)
            assert post_identity(spec) != post_identity(original)
        many = data.draw(st.booleans(), label="via post_many")
        prediction = self.post_batch([spec], many=many)
        assert prediction.error is ErrorCode.IDEMPOTENCY_CONFLICT

    def reverse(
        self, entry_id: int, reason: str, key: str, actor: str, effective: date | None
    ) -> None:
        """Call ``reverse`` and check it against the model."""
        expected: ErrorCode | None
        fresh: list[Request] = []
        original = self.model.entries.get(entry_id)
        day = effective or (original.entry.effective_date if original else D0)
        identity: Identity = ("reverse", entry_id, reason, actor, day)
        if original is None:
            expected = ErrorCode.UNKNOWN_ENTRY
        elif key not in self.model.keys and original.reversed_by is not None:
            expected = ErrorCode.ALREADY_REVERSED
        else:
            request = Request(
                key,
                identity,
                original.entry.book,
                day,
                tuple((code, -units) for code, units in original.legs),
                reverses=entry_id,
            )
            prediction = self.model.predict([request])
            expected, fresh = prediction.error, prediction.fresh
        entry = self.call(
            expected,
            self.ledger.reverse(
                entry_id, reason=reason, idempotency_key=key, actor=actor, effective_date=effective
            ),
        )
        if entry is None:
            return
        for request in fresh:
            self.model.record(request, entry)
            assert reason in entry.description
            self.model.reversal_calls[key] = (entry_id, reason, actor, effective)
        assert entry == self.model.entries[self.model.keys[key]].entry

    @rule(data=st.data())
    @precondition(lambda self: bool(self.model.entries))
    def reverse_entry(self, data: st.DataObject) -> None:
        """Reverse any entry (a reversal too) with a new key; some are already reversed,
        and one id is unknown."""
        entry_id = data.draw(st.sampled_from([*sorted(self.model.entries), UNKNOWN]))
        effective = data.draw(st.one_of(st.none(), entry_dates), label="effective date")
        self.reverse(entry_id, data.draw(reasons), self.new_key(), data.draw(actors), effective)

    @rule(data=st.data())
    @precondition(lambda self: any(e.reversed_by is not None for e in self.model.entries.values()))
    def reverse_again(self, data: st.DataObject) -> None:
        """A second reversal with a new key is ALREADY_REVERSED."""
        entry_id = data.draw(
            st.sampled_from(
                sorted(i for i, e in self.model.entries.items() if e.reversed_by is not None)
            )
        )
        self.reverse(entry_id, data.draw(reasons), self.new_key(), "alice", None)

    @rule(data=st.data())
    @precondition(lambda self: bool(self.model.reversal_calls))
    def replay_reversal(self, data: st.DataObject) -> None:
        """The same reversal call again returns the same reversal, even if flags now forbid it."""
        key = data.draw(st.sampled_from(sorted(self.model.reversal_calls)))
        entry_id, reason, actor, effective = self.model.reversal_calls[key]
        self.reverse(entry_id, reason, key, actor, effective)

    @rule(data=st.data())
    @precondition(lambda self: bool(self.model.keys))
    def reverse_with_a_used_key(self, data: st.DataObject) -> None:
        """A reversal under a key already used for something else: IDEMPOTENCY_CONFLICT."""
        key = data.draw(st.sampled_from(sorted(self.model.keys)))
        entry_id = data.draw(st.sampled_from(sorted(self.model.entries)))
        self.reverse(entry_id, "changed mind", key, "bob", None)

    # -- invariants --

    @invariant()
    def ledger_matches_model(self) -> None:
        self.run(self._check())

    async def _check(self) -> None:
        model = self.model
        async with self.db.transaction(write=False) as conn:
            store = LedgerStore(conn)
            # conservation, and Σ postings per account = the model's balance
            for book in BOOKS if model.accounts else ():
                tb = await store.trial_balance(book)
                assert tb.balanced, f"book {book} does not balance: {tb.totals}"
                by_currency: dict[str, int] = defaultdict(int)
                for row in tb.rows:
                    by_currency[row.account.currency] += units_of(row.balance)
                assert all(total == 0 for total in by_currency.values()), by_currency
                from_postings = {row.account.code: units_of(row.balance) for row in tb.rows}
                expected = {a.code: a.balance for a in model.book_accounts(book)}
                assert from_postings == expected, f"book {book}: Σ postings ≠ model"
            # cached balance rows = model, and the flags hold
            cached = {
                row.account_id: (int(row.balance), int(row.version))
                for row in await conn.execute(select(balances))
            }
            assert cached == {a.id: (a.balance, a.count) for a in model.accounts.values()}
            for account in model.accounts.values():
                assert account.allows(account.balance), f"flag broken on {account}"
            # nothing else was written, and posted entries never change
            n_entries = (await conn.execute(select(func.count()).select_from(entries))).scalar_one()
            n_postings = (
                await conn.execute(select(func.count()).select_from(postings))
            ).scalar_one()
            assert n_entries == len(model.entries)
            assert n_postings == sum(len(e.legs) for e in model.entries.values())
            stored = await store.entries_by_id(list(model.entries))
            assert stored == {i: e.entry for i, e in model.entries.items()}
            reversals = {e.reverses: i for i, e in stored.items() if e.reverses is not None}
            assert reversals == {
                i: e.reversed_by for i, e in model.entries.items() if e.reversed_by is not None
            }
            report = await verify(conn)
            assert report.ok, report.problems
            assert report.entries_checked == len(model.entries)
            assert report.accounts_checked == len(model.accounts)


@pytest.mark.slow
def test_ledger_behaves_like_its_model(fresh_databases: FreshDatabases) -> None:
    class Machine(LedgerMachine):
        def __init__(self) -> None:
            super().__init__(fresh_databases)

    run_state_machine_as_test(Machine, settings=SETTINGS)
