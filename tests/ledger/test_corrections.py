"""Corrections by reversal: four eyes, a reason, posted in the open period even
when the original lies in a closed one. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from helpers import D0, pool_book, transfer
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger import store
from riskpool.ledger.corrections import LedgerCorrections
from riskpool.ledger.periods import LedgerPeriods
from riskpool.ledger.service import Ledger

NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
async def ledger(database: Any, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    monkeypatch.setattr(store, "booking_time", lambda: NOW)
    ledger = Ledger(database.db)
    await pool_book(ledger)
    await ledger.post(transfer("fund", "1002", "3001", 1_000))
    await ledger.post(transfer("wrong", "5001", "1002", 300, day=date(2025, 1, 20)))
    return ledger


async def _corrections(ledger: Ledger, work: Any) -> Any:
    async with ledger.db.transaction(write=True) as conn:
        return await work(LedgerCorrections(conn))


async def test_a_reversal_takes_two_people_and_posts_today(ledger: Ledger) -> None:
    async with ledger.db.transaction(write=True) as conn:
        periods = LedgerPeriods(conn)
        await periods.prepare_close("POOL", D0, "li", NOW)
        await periods.approve_close("POOL", D0, "wang", NOW)
    wrong = 2
    request = await _corrections(ledger, lambda c: c.request(wrong, "paid twice", "li", NOW))
    with pytest.raises(RiskpoolError) as refused:
        await _corrections(ledger, lambda c: c.approve(request.id, "li", NOW))
    assert refused.value.code is ErrorCode.FORBIDDEN
    assert (await ledger.balance("POOL", "1002")).amount == 700
    reversal = await _corrections(ledger, lambda c: c.approve(request.id, "wang", NOW))
    assert reversal.reverses == wrong and reversal.effective_date == date(2025, 3, 10)
    assert reversal.actor == "wang" and "paid twice" in reversal.description
    assert (await ledger.balance("POOL", "1002")).amount == 1000
    assert (await ledger.balance("POOL", "1002", date(2025, 1, 31))).amount == 700  # closed: kept
    with pytest.raises(RiskpoolError) as refused:
        await _corrections(ledger, lambda c: c.approve(request.id, "zhao", NOW))
    assert refused.value.code is ErrorCode.INVALID_TRANSITION
    with pytest.raises(RiskpoolError) as refused:
        await _corrections(ledger, lambda c: c.request(wrong, "again", "li", NOW))
    assert refused.value.code is ErrorCode.ALREADY_REVERSED


async def test_bad_requests_change_nothing(ledger: Ledger) -> None:
    for entry_id, reason, code in (
        (99, "no such entry", ErrorCode.UNKNOWN_ENTRY),
        (2, "  ", ErrorCode.VALIDATION),
    ):
        with pytest.raises(RiskpoolError) as refused:
            await _corrections(ledger, lambda c, e=entry_id, r=reason: c.request(e, r, "li", NOW))
        assert refused.value.code is code
    await _corrections(ledger, lambda c: c.request(2, "paid twice", "li", NOW))
    with pytest.raises(RiskpoolError) as refused:
        await _corrections(ledger, lambda c: c.request(2, "paid twice", "zhao", NOW))
    assert refused.value.code is ErrorCode.DUPLICATE
    with pytest.raises(DBAPIError):  # the database holds the four eyes too
        async with ledger.db.transaction(write=True) as conn:
            await conn.execute(
                text("UPDATE ledger_reversal_requests SET approved_by = requested_by")
            )
