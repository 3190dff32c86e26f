"""Balance flags and idempotency hold under concurrent writers, on both dialects."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from helpers import cny, pool_book, transfer

from riskpool.db import Database, create_engine
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.schema import entries
from riskpool.ledger.service import Ledger
from riskpool.ledger.verify import verify


@pytest.fixture
async def wide_db(database: Any) -> Any:
    db = Database(create_engine(database.url, pool_size=20))
    yield db
    await db.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("writers", ["one ledger", "a ledger per payout"])
async def test_200_concurrent_payouts_from_50_million_exactly_50_succeed(
    wide_db: Database, seed: int, writers: str
) -> None:
    """With one ledger, concurrent posts share statements (group commit); with a
    ledger per payout, each is its own statement and they meet at the row lock."""
    ledger = Ledger(wide_db)
    await pool_book(ledger)
    await ledger.post(transfer("fund", "1002", "3001", "50000000.00"))
    payouts = [transfer(f"payout-{i}", "5001", "1002", "1000000.00") for i in range(200)]
    random.Random(seed).shuffle(payouts)

    async def pay(spec: Any) -> str:
        try:
            await (ledger if writers == "one ledger" else Ledger(wide_db)).post(spec)
            return "ok"
        except RiskpoolError as exc:
            return exc.code.value

    outcomes = await asyncio.wait_for(asyncio.gather(*(pay(p) for p in payouts)), timeout=300)
    assert outcomes.count("ok") == 50
    assert outcomes.count(ErrorCode.INSUFFICIENT_FUNDS.value) == 150
    assert await ledger.balance("POOL", "1002") == cny("0.00")
    assert await ledger.balance("POOL", "5001") == cny("50000000.00")
    async with wide_db.transaction(write=False) as conn:
        report = await verify(conn)
    assert report.ok, report.problems


async def test_concurrent_replays_of_one_key_create_one_entry(wide_db: Database) -> None:
    ledger = Ledger(wide_db)
    await pool_book(ledger)
    spec = transfer("same-key", "1002", "3001", "10.00")
    results = await asyncio.gather(*(ledger.post(spec) for _ in range(20)))
    assert len({entry.id for entry in results}) == 1
    assert await ledger.balance("POOL", "1002") == cny("10.00")
    async with wide_db.transaction(write=False) as conn:
        count = await conn.execute(entries.select().with_only_columns(entries.c.id))
        assert len(count.all()) == 1
