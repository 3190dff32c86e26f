"""One read snapshot per request, below the API.

Why a snapshot: a dashboard asks for many figures in one request (a page of
loans, their lenders and firms, the statistics beside them); they must agree
with one another even while writers commit, so every read of the request runs
on one connection in one transaction — on PostgreSQL at ``REPEATABLE READ``
(``READ COMMITTED`` would take a new snapshot per statement); SQLite's deferred
read transaction is one snapshot under WAL already.

Why it lives here and not in the API: transactions are the database's
business. The API (``riskpool.graphql``) holds a snapshot per request and hands
the views to it; it never sees a connection type, a driver or a transaction.

graphql-core runs sibling resolvers concurrently; a lock serialises their use
of the connection (a driver connection runs one statement at a time).
Writes never use a snapshot: each runs its own unit of work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncTransaction

from riskpool.db import Database

T = TypeVar("T")


class ReadSnapshot:
    """A lazily opened read-only transaction shared by every read of one request."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None

    async def run(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run ``work`` on the snapshot's connection, opening it on first use."""
        async with self._lock:
            if self._conn is None:
                self._conn = await self._db.engine.connect()
                if self._db.dialect == "postgresql":
                    await self._conn.execution_options(isolation_level="REPEATABLE READ")
                self._tx = await self._conn.begin()
            return await work(self._conn)

    async def close(self) -> None:
        """End the snapshot (a rollback: nothing was written) and return the connection."""
        async with self._lock:
            if self._tx is not None:
                await self._tx.rollback()
            if self._conn is not None:
                await self._conn.close()
            self._conn = self._tx = None
