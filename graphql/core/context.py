"""Per-request context: who is asking, one read snapshot, and the data loaders.

Reads of one request share one connection and one transaction, so a dashboard
sees every figure from the same snapshot and loaders batch across resolvers.
graphql-core runs sibling resolvers concurrently; a lock serialises their use
of the connection (a driver connection runs one statement at a time).
Mutations do not use this session: each runs its own unit of work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncTransaction

from riskpool.bootstrap import App
from riskpool.db import Database
from riskpool.domain.parties import Actor, Role
from riskpool.domain.persistence.queries import EVERYTHING, ReadModel, Scope
from riskpool.errors import ErrorCode
from riskpool.graphql.auth.tokens import Principal
from riskpool.graphql.core.errors import ApiError

T = TypeVar("T")


class ReadSession:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None

    async def run(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        async with self._lock:
            if self._conn is None:
                self._conn = await self._db.engine.connect()
                if self._db.dialect == "postgresql":
                    # One snapshot for the whole request (READ COMMITTED would take a
                    # new one per statement); SQLite's deferred read transaction already
                    # reads one snapshot under WAL.
                    await self._conn.execution_options(isolation_level="REPEATABLE READ")
                self._tx = await self._conn.begin()
            return await work(self._conn)

    async def close(self) -> None:
        async with self._lock:
            if self._tx is not None:
                await self._tx.rollback()
            if self._conn is not None:
                await self._conn.close()
            self._conn = self._tx = None


@dataclass
class Context:
    app: App
    principal: Principal | None
    request_id: str
    session: ReadSession
    loaders: dict[str, Any] = field(default_factory=dict)

    def loader(self, name: str, factory: Callable[[Context], Any]) -> Any:
        """The request's loader ``name``, created on first use (one cache per request)."""
        if name not in self.loaders:
            self.loaders[name] = factory(self)
        return self.loaders[name]

    @property
    def scope(self) -> Scope:
        """What this principal may read; institution users see their own rows only."""
        principal = self.require()
        if principal.role is Role.INSTITUTION:
            return Scope(institution_id=principal.institution_id)
        return EVERYTHING

    def actor(self) -> Actor:
        principal = self.require()
        return Actor(principal.role, principal.subject, principal.institution_id)

    async def read(self, work: Callable[[ReadModel], Awaitable[T]]) -> T:
        """Run a read against the request's snapshot, scoped to the principal."""
        scope = self.scope
        return await self.session.run(lambda conn: work(ReadModel(conn, scope)))

    def require(self, *roles: Role) -> Principal:
        """The principal, if it has one of ``roles`` (any role when none are given)."""
        if self.principal is None:
            raise ApiError(ErrorCode.UNAUTHENTICATED, "a bearer token is required")
        if roles and self.principal.role not in roles:
            raise ApiError(
                ErrorCode.FORBIDDEN,
                f"role {self.principal.role.value.lower()} may not do this",
            )
        return self.principal
