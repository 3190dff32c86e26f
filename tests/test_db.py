"""Transactions on both dialects: a cancelled one leaves nothing behind."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from sqlalchemy import text

SLOW = {
    "sqlite": (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) "
        "SELECT count(*) FROM c"
    ),
    "postgresql": "SELECT pg_sleep(0.5)",
}


async def test_a_write_cancelled_mid_statement_leaves_the_database_writable(
    database: Any,
) -> None:
    """A request cancelled while its statement runs (a client gone) is rolled back
    and its connection let go at once: the next write neither waits for the
    garbage collector (SQLite kept the write lock of ``BEGIN IMMEDIATE`` until a
    cursor of the cancelled statement was collected) nor inherits its state."""
    db = database.db
    started = asyncio.Event()

    async def cancelled_write() -> None:
        async with db.transaction() as conn:
            await conn.execute(text("INSERT INTO ledger_books (code, name) VALUES ('GONE', 'x')"))
            started.set()
            await conn.execute(text(SLOW[database.dialect]))

    task = asyncio.create_task(cancelled_write())
    await started.wait()
    await asyncio.sleep(0.05)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert task.cancelled()  # kept alive, with its traceback, while the next write runs

    async def next_write() -> list[str]:
        async with db.transaction() as conn:
            await conn.execute(text("INSERT INTO ledger_books (code, name) VALUES ('NEXT', 'y')"))
        async with db.transaction(write=False) as conn:
            return list((await conn.execute(text("SELECT code FROM ledger_books"))).scalars())

    assert await asyncio.wait_for(next_write(), timeout=20) == ["NEXT"]
