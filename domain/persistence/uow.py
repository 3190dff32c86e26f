"""The unit of work: one database transaction for one use case.

Everything a use case touches — its repositories, the ledger it posts to, the
record of its idempotency key — shares one connection and one transaction.
Leaving the ``async with`` block normally commits; any exception rolls back,
so a refused use case leaves nothing behind, and a domain change is never
stored without its ledger entries (or the reverse).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.db import Database
from riskpool.domain.persistence.innovation import InnovationRepository
from riskpool.domain.persistence.repositories import (
    ClaimRepository,
    FirmRepository,
    InstitutionRepository,
    LoanRepository,
)
from riskpool.domain.persistence.tables import data_versions, idempotency_records
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger import hashing
from riskpool.ledger.store import LedgerStore


class IdempotencyRecords:
    """Idempotency for use cases: a key, the payload it was first used with, its result.

    Written in the use case's own transaction, so the record exists exactly
    when the use case's effects do.
    """

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    @staticmethod
    def digest(operation: str, payload: dict[str, Any]) -> str:
        return hashing.sha256_hex(hashing.canonical_json({"op": operation, "payload": payload}))

    async def replay(self, key: str, operation: str, payload: dict[str, Any]) -> Any | None:
        """The stored result for ``key`` (same payload), ``None`` if new, else a conflict."""
        if not key or len(key) > 200:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                "idempotency key must be 1–200 characters",
                field="idempotencyKey",
            )
        row = (
            await self.conn.execute(
                select(idempotency_records).where(idempotency_records.c.key == key)
            )
        ).first()
        if row is None:
            return None
        if row.operation != operation or row.payload_hash != self.digest(operation, payload):
            raise RiskpoolError(
                ErrorCode.IDEMPOTENCY_CONFLICT,
                f"key {key!r} was used for another request",
                field="idempotencyKey",
            )
        return row.result

    async def remember(
        self, key: str, operation: str, payload: dict[str, Any], result: Any
    ) -> None:
        await self.conn.execute(
            insert(idempotency_records).values(
                key=key,
                operation=operation,
                payload_hash=self.digest(operation, payload),
                result=result,
                created_at=datetime.now(UTC),
            )
        )


_WROTE = "riskpool_domain_wrote"
_DOMAIN_TABLES = frozenset(
    {
        "institutions",
        "institution_status_changes",
        "firms",
        "loans",
        "loan_movements",
        "claims",
        "claim_events",
    }
)


@event.listens_for(Engine, "before_cursor_execute")
def _note_domain_writes(
    conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
) -> None:
    """Mark the connection when a statement writes a table the statistics read."""
    if conn.info.get(_WROTE) is False:
        head = statement.lstrip()[:80].upper()
        if head.startswith(("INSERT", "UPDATE", "DELETE")) and any(
            f" {name.upper()}" in head for name in _DOMAIN_TABLES
        ):
            conn.info[_WROTE] = True


class UnitOfWork(AbstractAsyncContextManager["UnitOfWork"]):
    institutions: InstitutionRepository
    firms: FirmRepository
    loans: LoanRepository
    claims: ClaimRepository
    innovation: InnovationRepository
    ledger: LedgerStore
    idempotency: IdempotencyRecords
    conn: AsyncConnection

    def __init__(self, db: Database) -> None:
        self._db = db
        self._scope: AbstractAsyncContextManager[AsyncConnection] | None = None

    async def __aenter__(self) -> UnitOfWork:
        self._scope = self._db.transaction(write=True)
        self.conn = await self._scope.__aenter__()
        if self.conn.sync_connection is not None:
            self.conn.sync_connection.info[_WROTE] = False
        self.institutions = InstitutionRepository(self.conn)
        self.firms = FirmRepository(self.conn)
        self.loans = LoanRepository(self.conn)
        self.claims = ClaimRepository(self.conn)
        self.innovation = InnovationRepository(self.conn)
        self.ledger = LedgerStore(self.conn)
        self.idempotency = IdempotencyRecords(self.conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._scope is not None
        sync = self.conn.sync_connection
        if exc_type is None and sync is not None and sync.info.pop(_WROTE, False):
            # Last statement before commit, so the counter's row lock is held
            # only for the commit itself: writers queue here briefly, never in a cycle.
            await self.conn.execute(
                update(data_versions)
                .where(data_versions.c.name == "domain")
                .values(version=data_versions.c.version + 1)
            )
        return await self._scope.__aexit__(exc_type, exc, tb)
