"""The unit of work on the database: one transaction for one command.

Everything a handler touches — its repositories, the ledger it posts to, the
record of its idempotency key — shares one connection and one transaction.
Leaving the ``async with`` block normally commits; any exception rolls back,
so a refused command leaves nothing behind, and a domain change is never
stored without its ledger entries (or the reverse).

Which domain tables the transaction changed is recorded explicitly: each
repository notes the tables it writes (``written``), and when any did, the
unit of work advances the ``data_versions`` counter as the transaction's
last statement, which is what keeps the statistics cache exact
(:mod:`riskpool.domain.persistence.statistics_cache`). Nothing reads SQL text.

Database errors that mean something to a caller are turned into typed
outcomes here, below the API (:mod:`riskpool.domain.persistence.refusals`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.db import Database
from riskpool.domain.handlers.ports import IdempotencyRace
from riskpool.domain.model.dates import DEFAULT_BACKDATING_DAYS, BusinessDates, imported_time
from riskpool.domain.persistence.guarantees import GuaranteeRepository
from riskpool.domain.persistence.innovation import InnovationRepository
from riskpool.domain.persistence.refusals import input_refusal, is_unique_violation_of
from riskpool.domain.persistence.repositories import (
    ClaimRepository,
    FirmRepository,
    InstitutionRepository,
    LoanRepository,
)
from riskpool.domain.persistence.tables import data_versions, idempotency_records
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.store import LedgerStore

_RECORD_KEY = "pk_idempotency_records"


def utc_now() -> datetime:
    return datetime.now(UTC)


class IdempotencyRecords:
    """Idempotency for commands: a key, the fingerprint it was first used with, its result.

    Written in the command's own transaction, so the record exists exactly
    when the command's effects do.
    """

    def __init__(self, conn: AsyncConnection, clock: Callable[[], datetime] = utc_now) -> None:
        self.conn = conn
        self._clock = clock

    async def replay(self, key: str, operation: str, fingerprint: str) -> Any | None:
        row = (
            await self.conn.execute(
                select(idempotency_records).where(idempotency_records.c.key == key)
            )
        ).first()
        if row is None:
            return None
        if row.operation != operation or row.payload_hash != fingerprint:
            raise RiskpoolError(
                ErrorCode.IDEMPOTENCY_CONFLICT,
                "this idempotency key was used for another request",
                field="idempotencyKey",
            )
        return row.result

    async def reserve(self, key: str, operation: str, fingerprint: str) -> None:
        try:
            await self.conn.execute(
                insert(idempotency_records).values(
                    key=key,
                    operation=operation,
                    payload_hash=fingerprint,
                    result={},
                    created_at=self._clock(),
                )
            )
        except IntegrityError as error:
            if is_unique_violation_of(error, idempotency_records.name, _RECORD_KEY):
                raise IdempotencyRace(key) from error
            raise

    async def remember(self, key: str, result: Any) -> None:
        await self.conn.execute(
            update(idempotency_records)
            .where(idempotency_records.c.key == key)
            .values(result=result)
        )


class SqlUnitOfWork:
    """The :class:`~riskpool.domain.handlers.ports.UnitOfWork` of a :class:`Database`."""

    institutions: InstitutionRepository
    firms: FirmRepository
    loans: LoanRepository
    guarantees: GuaranteeRepository
    claims: ClaimRepository
    innovation: InnovationRepository
    ledger: LedgerStore
    idempotency: IdempotencyRecords
    conn: AsyncConnection

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime] = utc_now,
        backdating_days: int = DEFAULT_BACKDATING_DAYS,
    ) -> None:
        self._db = db
        self._clock = clock
        self._backdating_days = backdating_days
        self._imported_at: datetime | None = None
        self._scope: AbstractAsyncContextManager[AsyncConnection] | None = None

    def now(self) -> datetime:
        return self._imported_at or self._clock()

    def business_dates(self) -> BusinessDates:
        return BusinessDates.at(
            self.now(), self._backdating_days, imported=self._imported_at is not None
        )

    def import_at(self, at: datetime) -> None:
        self._imported_at = imported_time(at, self._clock())

    async def __aenter__(self) -> Self:
        self._scope = self._db.transaction(write=True)
        self.conn = await self._scope.__aenter__()
        self.institutions = InstitutionRepository(self.conn)
        self.firms = FirmRepository(self.conn)
        self.loans = LoanRepository(self.conn)
        self.guarantees = GuaranteeRepository(self.conn)
        self.claims = ClaimRepository(self.conn)
        self.innovation = InnovationRepository(self.conn)
        self.ledger = LedgerStore(self.conn)
        self.idempotency = IdempotencyRecords(self.conn, self._clock)
        return self

    def changed(self) -> frozenset[str]:
        """The domain tables this transaction wrote, as the repositories recorded them."""
        return frozenset().union(
            self.institutions.written,
            self.firms.written,
            self.loans.written,
            self.guarantees.written,
            self.claims.written,
            self.innovation.written,
        )

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        scope = self._scope
        assert scope is not None
        self._scope = None
        if exc is None:
            try:
                if self.changed():
                    # Last statement before commit, so the counter's row lock is held
                    # only for the commit itself: writers queue here briefly, never
                    # in a cycle.
                    await self.conn.execute(
                        update(data_versions)
                        .where(data_versions.c.name == "domain")
                        .values(version=data_versions.c.version + 1)
                    )
            except BaseException as error:
                await scope.__aexit__(type(error), error, error.__traceback__)
                _raise_refusal(error)
                raise
            try:
                await scope.__aexit__(None, None, None)
            except DBAPIError as error:  # refused at commit (a deferred constraint)
                _raise_refusal(error)
                raise
            return None
        await scope.__aexit__(exc_type, exc, tb)
        _raise_refusal(exc)
        return None


def _raise_refusal(error: BaseException) -> None:
    """Raise the typed refusal a database error stands for; return if there is none."""
    if isinstance(error, DBAPIError):
        refusal = input_refusal(error)
        if refusal is not None:
            raise refusal from error
