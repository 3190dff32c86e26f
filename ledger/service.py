"""The ledger as an async service: one database transaction per call.

Use :class:`Ledger` when the ledger is all a caller needs (the CLI, tests,
benchmarks). Domain use cases instead open their own unit of work and use a
:class:`~riskpool.ledger.store.LedgerStore` on its connection, so their
entries commit or roll back together with their own changes.

Concurrent replays: two requests with the same idempotency key may both miss
the key in their pre-check; the second then fails on the unique index when
the first commits (so may two reversals of one entry). That failure — a unique
violation, told by its SQLSTATE (:func:`riskpool.db.is_unique_violation`) — is
caught here and the call is retried once in a fresh transaction, where the
pre-check finds the first entry and returns it (same payload) or refuses
(``IDEMPOTENCY_CONFLICT``, ``ALREADY_REVERSED``) — so a replay never surfaces
as a database error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import TypeVar

from moneyed import Money
from sqlalchemy.exc import DBAPIError

from riskpool.db import Database, is_unique_violation
from riskpool.ledger.model import (
    Account,
    AccountSpec,
    AccountStatement,
    Book,
    EntrySpec,
    JournalEntry,
    TrialBalance,
)
from riskpool.ledger.store import LedgerStore

T = TypeVar("T")


class Ledger:
    """Transaction-per-call facade over :class:`LedgerStore`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _write(self, work: Callable[[LedgerStore], Awaitable[T]]) -> T:
        async def in_transaction() -> T:
            async with self.db.transaction(write=True) as conn:
                return await work(LedgerStore(conn))

        return await self._attempt(in_transaction)

    async def _attempt(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` (one transaction), once more after an idempotency race."""
        for attempt in range(2):
            try:
                return await work()
            except DBAPIError as exc:
                if attempt == 0 and is_unique_violation(exc):
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _read(self, work: Callable[[LedgerStore], Awaitable[T]]) -> T:
        async with self.db.transaction(write=False) as conn:
            return await work(LedgerStore(conn))

    # -- writes -------------------------------------------------------------------

    async def create_book(self, code: str, name: str, description: str = "") -> Book:
        return await self._write(lambda s: s.create_book(code, name, description))

    async def open_account(self, spec: AccountSpec) -> Account:
        return await self._write(lambda s: s.open_account(spec))

    async def close_account(self, book: str, code: str, on: date) -> Account:
        return await self._write(lambda s: s.close_account(book, code, on))

    async def post(self, spec: EntrySpec) -> JournalEntry:
        return await self._write(lambda s: s.post(spec))

    async def post_many(self, specs: Sequence[EntrySpec]) -> list[JournalEntry]:
        return await self._write(lambda s: s.post_many(specs))

    async def reverse(
        self,
        entry_id: int,
        *,
        reason: str,
        idempotency_key: str,
        actor: str,
        effective_date: date | None = None,
    ) -> JournalEntry:
        return await self._write(
            lambda s: s.reverse(
                entry_id,
                reason=reason,
                idempotency_key=idempotency_key,
                actor=actor,
                effective_date=effective_date,
            )
        )

    # -- reads --------------------------------------------------------------------

    async def books(self) -> list[Book]:
        return await self._read(lambda s: s.books())

    async def account(self, book: str, code: str) -> Account:
        return await self._read(lambda s: s.account(book, code))

    async def accounts(self, book: str | None = None) -> list[Account]:
        return await self._read(lambda s: s.accounts(book))

    async def entry(self, entry_id: int) -> JournalEntry:
        return await self._read(lambda s: s.entry(entry_id))

    async def balance(self, book: str, code: str, as_of: date | None = None) -> Money:
        return await self._read(lambda s: s.balance(book, code, as_of))

    async def statement(
        self, book: str, code: str, date_from: date, date_to: date
    ) -> AccountStatement:
        return await self._read(lambda s: s.statement(book, code, date_from, date_to))

    async def trial_balance(self, book: str, as_of: date | None = None) -> TrialBalance:
        return await self._read(lambda s: s.trial_balance(book, as_of))
