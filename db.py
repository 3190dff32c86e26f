"""Database engines and transactions for both supported dialects.

riskpool runs on PostgreSQL (asyncpg) in production and on an embedded SQLite
file (aiosqlite) by default. The differences that matter to a ledger are
handled here, once:

* **SQLite write serialisation.** SQLite allows one writer at a time. A
  transaction that starts as a reader (plain ``BEGIN``) and later writes can
  fail with ``database is locked`` without waiting, because the busy handler
  cannot help a lock *upgrade*. Write transactions therefore start with
  ``BEGIN IMMEDIATE``: they take the write lock up front and wait for it
  (``busy_timeout``), which makes concurrent posting serial and deadlock-free.
  Read transactions keep plain ``BEGIN`` and, with WAL, never block writers.
* **Foreign keys** are off by default in SQLite; the ledger relies on a
  *deferred* foreign key from postings to entries, so they are switched on for
  every connection.
* **PostgreSQL** transactions run at READ COMMITTED; the ledger takes row locks
  on the balances it changes, in account-id order, so concurrent writers
  serialise per account only and cannot deadlock.
* **What an error means** is read from codes, never from messages
  (:func:`error_state`, :func:`is_unique_violation`, :func:`refusal`):
  PostgreSQL's SQLSTATE, SQLite's extended result code name, and for riskpool's
  own refusals the table :data:`riskpool.errors.DATABASE_REFUSALS`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import BigInteger, Integer, MetaData, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.util.concurrency import in_greenlet

from riskpool.errors import DATABASE_REFUSALS, ErrorCode, RiskpoolError

_WRITE_OPTION = "riskpool_write"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)
"""Every table of riskpool (ledger, domain, reconciliation) registers here; the
migrations are checked against it."""

Id = BigInteger().with_variant(Integer(), "sqlite")
"""Primary-key type: BIGINT, except on SQLite, which only auto-increments an
INTEGER PRIMARY KEY (its rowid alias)."""


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(
    url: str, *, echo: bool = False, pool_size: int = 5, pooled: bool = True
) -> AsyncEngine:
    """Create an async engine with the per-dialect settings explained above.

    ``pooled=False`` opens a connection per use: for callers that drive the app
    from several event loops (a connection belongs to the loop that opened it).
    """
    # pool_pre_ping: a pooled connection is checked before it is handed out, so
    # after a PostgreSQL restart the dead ones are replaced instead of failing
    # the first request that draws each of them.
    options: dict[str, Any] = {"pool_pre_ping": True} if pooled else {"poolclass": NullPool}
    if is_sqlite(url):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 60}, **options)
        _configure_sqlite(engine)
        return engine
    if pooled:
        options.update(pool_size=pool_size, max_overflow=pool_size * 2)
    return create_async_engine(url, echo=echo, **options)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    @event.listens_for(engine.sync_engine, "invalidate")
    def _on_invalidate(dbapi_connection: Any, _record: Any, _exception: Any) -> None:
        # A connection dropped mid-statement (its task cancelled) is closed next,
        # without a rollback. Closing cannot finish while a cursor of the
        # cancelled statement is alive (Python's sqlite3 leaves the statement to
        # the cursor, and SQLite keeps the connection as a "zombie" until it is
        # finalised), and until then its transaction, with BEGIN IMMEDIATE's
        # write lock, stays open: every later write would wait for the garbage
        # collector. Rolled back here, the lock goes at once.
        rollback = getattr(dbapi_connection, "rollback", None)
        if rollback is not None and in_greenlet():
            with contextlib.suppress(Exception):
                rollback()


class Database:
    """An engine plus the one way riskpool opens transactions.

    ``transaction(write=True)`` is the unit of work's database half: one
    connection, one transaction, committed when the block ends normally and
    rolled back on any exception, so nothing is ever half-written.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str, *, echo: bool = False) -> Database:
        return cls(create_engine(url, echo=echo))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncConnection]:
        """One transaction on one connection. A read (``write=False``) sees one
        snapshot on PostgreSQL too (``REPEATABLE READ``): what it reads in several
        statements — a verification, a statement with its opening balance, a
        trial balance — agrees even while writers commit. (SQLite's read
        transactions are snapshots already.)"""
        async with self.engine.connect() as conn:
            if write:
                await conn.execution_options(**{_WRITE_OPTION: True})
            elif self.dialect == "postgresql":
                await conn.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                yield conn

    async def dispose(self) -> None:
        await self.engine.dispose()


# -- what a database error means, read from codes, never from messages ---------

_UNIQUE = frozenset({"23505", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


def error_state(exc: DBAPIError) -> str | None:
    """The error's code as the database gives it: PostgreSQL's SQLSTATE
    (``'23505'``, ``'RP001'``), or SQLite's extended result code name
    (``'SQLITE_CONSTRAINT_UNIQUE'``, ``'SQLITE_CONSTRAINT_TRIGGER'``)."""
    orig = exc.orig
    state = getattr(orig, "sqlstate", None)  # asyncpg, through SQLAlchemy's adapter
    if isinstance(state, str):
        return state
    name = getattr(orig, "sqlite_errorname", None)
    return name if isinstance(name, str) else None


def is_unique_violation(exc: DBAPIError) -> bool:
    """A unique key (or primary key) refused the write: on PostgreSQL SQLSTATE
    23505, on SQLite ``SQLITE_CONSTRAINT_UNIQUE``/``_PRIMARYKEY``. Usually a race
    with a concurrent writer: the transaction is lost, a retry sees the winner."""
    return error_state(exc) in _UNIQUE


def refusal_code(exc: DBAPIError) -> ErrorCode | None:
    """The :class:`ErrorCode` of a refusal raised by riskpool's own database logic
    (:data:`riskpool.errors.DATABASE_REFUSALS`), else ``None``. PostgreSQL: the
    SQLSTATE. SQLite has none: a trigger's ``RAISE(ABORT, 'RP001')`` is an error
    named ``SQLITE_CONSTRAINT_TRIGGER`` whose whole message is the code."""
    state = error_state(exc)
    if state == "SQLITE_CONSTRAINT_TRIGGER":
        args: tuple[Any, ...] = getattr(exc.orig, "args", ())
        state = args[0] if len(args) == 1 and isinstance(args[0], str) else None
    return DATABASE_REFUSALS.get(state) if state is not None else None


def refusal(exc: DBAPIError) -> RiskpoolError | None:
    """:func:`refusal_code` as the typed error callers raise (``from exc``)."""
    code = refusal_code(exc)
    if code is None:
        return None
    return RiskpoolError(code, f"the database refused the write ({code})")
