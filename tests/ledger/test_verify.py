"""``verify`` proves the stored ledger unaltered, and names the first bad entry when not.

The tampering tests act as a database superuser would: they drop or disable
the append-only guard, then rewrite rows with raw SQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from helpers import pool_book, transfer
from sqlalchemy import text

from riskpool.ledger import hashing
from riskpool.ledger.service import Ledger
from riskpool.ledger.verify import verify


@pytest.fixture
async def history(database: Any) -> Any:
    ledger = Ledger(database.db)
    await pool_book(ledger)
    posted = [
        await ledger.post(transfer("e1", "1002", "3001", 1000)),
        await ledger.post(transfer("e2", "5001", "1002", 100)),
        await ledger.post(transfer("e3", "5001", "1002", 200)),
        await ledger.post(transfer("e4", "1002", "3001", 50)),
    ]
    await ledger.reverse(posted[2].id, reason="wrong claim", idempotency_key="r3", actor="t")
    return database, posted


async def _verify(database: Any) -> Any:
    async with database.db.transaction(write=False) as conn:
        return await verify(conn)


async def _tamper(database: Any, *statements: str) -> None:
    async with database.db.transaction() as conn:
        if database.dialect == "postgresql":
            await conn.execute(text("ALTER TABLE ledger_postings DISABLE TRIGGER USER"))
            await conn.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER USER"))
        else:
            for table in ("ledger_postings", "ledger_entries"):
                for op in ("update", "delete"):
                    await conn.execute(text(f"DROP TRIGGER {table}_no_{op}"))
        for statement in statements:
            await conn.execute(text(statement))


async def test_verify_reads_one_snapshot_while_writers_commit(database: Any) -> None:
    """A healthy ledger verifies however writes interleave with the checks: the
    chains, the entries and the cached balances are read in one snapshot, or
    they would disagree whenever a post commits between two of them."""
    import asyncio

    from riskpool.db import Database, create_engine

    db = Database(create_engine(database.url, pool_size=8))
    try:
        ledger = Ledger(db)
        await pool_book(ledger)
        done = asyncio.Event()

        async def write() -> None:
            try:
                for i in range(60):
                    await asyncio.gather(
                        ledger.post(transfer(f"w{i}a", "1002", "3001", 1)),
                        Ledger(db).post(transfer(f"w{i}b", "5001", "2201", 1)),
                    )
            finally:
                done.set()

        writer = asyncio.create_task(write())
        reports = []
        while not done.is_set():
            async with db.transaction(write=False) as conn:
                reports.append(await verify(conn))
            await asyncio.sleep(0)
        await writer
        assert len(reports) > 1
        assert all(report.ok for report in reports), [r.problems for r in reports if not r.ok]
    finally:
        await db.dispose()


async def test_an_untouched_ledger_verifies(history: Any) -> None:
    database, _ = history
    report = await _verify(database)
    assert report.ok, report.problems
    assert (report.entries_checked, report.postings_checked, report.accounts_checked) == (5, 10, 4)


async def test_an_altered_amount_is_found(history: Any) -> None:
    database, posted = history
    target = posted[1].id
    await _tamper(
        database,
        f"UPDATE ledger_postings SET amount = amount * 10 WHERE entry_id = {target}",
    )
    report = await _verify(database)
    assert not report.ok
    assert report.first_bad_entry == target
    assert {p.check for p in report.problems} >= {"entry_hash", "running_balance"}


async def test_an_altered_description_is_found(history: Any) -> None:
    database, posted = history
    await _tamper(
        database, f"UPDATE ledger_entries SET description = '改' WHERE id = {posted[2].id}"
    )
    report = await _verify(database)
    assert report.first_bad_entry == posted[2].id


async def test_a_deleted_entry_breaks_the_chain(history: Any) -> None:
    database, posted = history
    gone = posted[1].id
    await _tamper(
        database,
        f"DELETE FROM ledger_postings WHERE entry_id = {gone}",
        f"DELETE FROM ledger_entries WHERE id = {gone}",
    )
    report = await _verify(database)
    assert "chain_gap" in {p.check for p in report.problems}
    assert "cached_balance" in {p.check for p in report.problems}
    assert report.first_bad_entry == posted[2].id


async def test_a_rehashed_entry_is_caught_by_the_next_link(history: Any) -> None:
    """Even a forger who recomputes the edited entry's own hash breaks the chain."""
    database, posted = history
    target = posted[1].id
    await _tamper(
        database,
        f"UPDATE ledger_entries SET description = 'forged', entry_hash = '{'a' * 64}' "
        f"WHERE id = {target}",
    )
    report = await _verify(database)
    links = [p for p in report.problems if p.check == "chain_link"]
    assert links and min(p.entry_id for p in links if p.entry_id) == posted[2].id
    assert report.first_bad_entry == target


def test_entry_hash_is_independent_of_posting_order() -> None:

    common: dict[str, Any] = {
        "entry_id": 1,
        "book_id": 1,
        "effective_date": date(2025, 1, 1),
        "booked_at": datetime(2025, 1, 1, tzinfo=UTC),
        "description": "x",
        "metadata": {},
        "idempotency_key": "k",
        "actor": "a",
        "reverses": None,
    }
    legs = [(1, "CNY", 5, 1, 5, "0" * 64), (2, "CNY", -5, 1, -5, "0" * 64)]
    assert hashing.entry_hash(**common, postings=legs) == hashing.entry_hash(
        **common, postings=legs[::-1]
    )
    naive = {**common, "booked_at": datetime(2025, 1, 1)}  # noqa: DTZ001 - SQLite returns naive
    assert hashing.entry_hash(**naive, postings=legs) == hashing.entry_hash(**common, postings=legs)


async def test_a_wrong_cached_chain_head_is_found(history: Any) -> None:
    database, _ = history
    async with database.db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE ledger_balances SET head_hash = :h WHERE account_id = "
                "(SELECT id FROM ledger_accounts WHERE code = '1002')"
            ),
            {"h": "f" * 64},
        )
    report = await _verify(database)
    assert [p.check for p in report.problems] == ["chain_head"]
