"""Trusted time in the ledger (issue 16): bounded business dates, closed
periods the database enforces, and balance flags on every business date.

The server's clock is fixed by replacing ``store.booking_time`` (the one
clock the write path reads) with NOW: business date 2025-03-10 in
Asia/Shanghai. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from helpers import D0, pool_book, transfer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from riskpool.db import refusal_code
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger import store
from riskpool.ledger.checks import business_date
from riskpool.ledger.periods import LedgerPeriods, month_of
from riskpool.ledger.service import Ledger
from riskpool.ledger.store import LedgerStore

NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
TODAY = date(2025, 3, 10)


@pytest.fixture
async def ledger(database: Any, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    monkeypatch.setattr(store, "booking_time", lambda: NOW)
    ledger = Ledger(database.db)
    await pool_book(ledger)
    await ledger.post(transfer("fund", "1002", "3001", 1_000))
    return ledger


async def _close(
    ledger: Ledger, month: date, *, by: str = "preparer", ok: str = "approver"
) -> None:
    async with ledger.db.transaction(write=True) as conn:
        periods = LedgerPeriods(conn)
        await periods.prepare_close("POOL", month, by, NOW)
        await periods.approve_close("POOL", month, ok, NOW)


def test_the_business_date_is_shanghais() -> None:
    assert business_date(datetime(2025, 3, 9, 15, 59, tzinfo=UTC)) == date(2025, 3, 9)
    assert business_date(datetime(2025, 3, 9, 16, 0, tzinfo=UTC)) == date(2025, 3, 10)


# -- bounded business dates ----------------------------------------------------------------


async def test_an_entry_dated_after_today_is_refused(ledger: Ledger) -> None:
    with pytest.raises(RiskpoolError) as refused:
        await ledger.post(transfer("future", "1002", "3001", 1, day=TODAY + timedelta(days=1)))
    assert refused.value.code is ErrorCode.FUTURE_DATE
    entry = await ledger.post(transfer("today", "1002", "3001", 1, day=TODAY))
    assert entry.effective_date == TODAY


async def test_the_backdating_window_bounds_how_far_back(ledger: Ledger) -> None:
    async def post(key: str, day: date) -> Any:
        async with ledger.db.transaction(write=True) as conn:
            return await LedgerStore(conn, backdating_days=30).post(
                transfer(key, "1002", "3001", 1, day=day)
            )

    edge = await post("edge", TODAY - timedelta(days=30))
    assert edge.effective_date == TODAY - timedelta(days=30)
    with pytest.raises(RiskpoolError) as refused:
        await post("too-far", TODAY - timedelta(days=31))
    assert refused.value.code is ErrorCode.BACKDATED_TOO_FAR
    # A replay of an entry posted within the window is its first result, even later.
    assert (await post("edge", TODAY - timedelta(days=30))).id == edge.id


async def test_the_database_refuses_an_entry_dated_after_its_booking_day(ledger: Ledger) -> None:
    caught = await _raw_entry(ledger, "2025-03-11", "2025-03-10 15:59:00")
    assert refusal_code(caught) is ErrorCode.FUTURE_DATE
    # 15:59 UTC is still 23:59 of the same business day in Shanghai.
    caught = await _raw_entry(ledger, "2025-03-12", "2025-03-11 15:59:00")
    assert refusal_code(caught) is ErrorCode.FUTURE_DATE


async def _raw_entry(ledger: Ledger, day: str, booked_at: str) -> DBAPIError:
    """A balanced entry written around the service; it must be refused."""
    with pytest.raises(DBAPIError) as caught:
        async with ledger.db.transaction(write=True) as conn:
            ids = dict((await conn.execute(text("SELECT code, id FROM ledger_accounts"))).all())
            entry = 1 + (await conn.execute(text("SELECT max(id) FROM ledger_entries"))).scalar()
            for account, amount, seq in ((ids["3001"], 100, 2), (ids["5001"], -100, 1)):
                await conn.execute(
                    text(
                        "INSERT INTO ledger_postings (entry_id, account_id, currency, amount, "
                        "account_seq, balance_after, prev_hash) "
                        "VALUES (:e, :a, 'CNY', :n, :s, 0, :h)"
                    ),
                    {"e": entry, "a": account, "n": amount, "s": seq, "h": "0" * 64},
                )
            await conn.execute(
                text(
                    "INSERT INTO ledger_entries (id, book_id, effective_date, booked_at, "
                    "description, metadata, idempotency_key, payload_hash, actor, entry_hash) "
                    "VALUES (:e, 1, :d, :b, 'raw', '{}', :k, 'x', 'raw', 'x')"
                ),
                {"e": entry, "d": date.fromisoformat(day), "b": _at(booked_at), "k": f"raw{day}"},
            )
    return caught.value


def _at(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=UTC)


# -- periods -------------------------------------------------------------------------------


async def test_after_close_nothing_posts_inside_the_period(ledger: Ledger) -> None:
    await _close(ledger, D0)
    with pytest.raises(RiskpoolError) as refused:
        await ledger.post(transfer("late", "1002", "3001", 1, day=date(2025, 1, 31)))
    assert refused.value.code is ErrorCode.PERIOD_CLOSED
    # The open period still takes entries, among them adjusting ones naming the closed month.
    adjusting = await ledger.post(transfer("adjust", "1002", "3001", 1, day=date(2025, 2, 1)))
    assert adjusting.effective_date == date(2025, 2, 1)


async def test_the_database_refuses_an_entry_in_a_closed_period(ledger: Ledger) -> None:
    await _close(ledger, D0)
    caught = await _raw_entry(ledger, "2025-01-15", "2025-03-10 02:00:00")
    assert refusal_code(caught) is ErrorCode.PERIOD_CLOSED


async def test_the_preparer_cannot_approve_the_close(ledger: Ledger) -> None:
    with pytest.raises(RiskpoolError) as refused:
        await _close(ledger, D0, by="alice", ok="alice")
    assert refused.value.code is ErrorCode.FORBIDDEN
    async with ledger.db.transaction(write=False) as conn:
        assert await LedgerPeriods(conn).periods("POOL") == []  # the refusal rolled back
    # Nor may anyone write the approval around the service.
    async with ledger.db.transaction(write=True) as conn:
        await LedgerPeriods(conn).prepare_close("POOL", D0, "alice", NOW)
    with pytest.raises(DBAPIError):
        async with ledger.db.transaction(write=True) as conn:
            await conn.execute(
                text("UPDATE ledger_periods SET approved_by = 'alice', approved_at = :t"),
                {"t": NOW},
            )


async def test_a_close_is_final(ledger: Ledger) -> None:
    await _close(ledger, D0)
    for sql in (
        "UPDATE ledger_periods SET approved_by = NULL, approved_at = NULL",
        "UPDATE ledger_periods SET ends_on = starts_on",
        "DELETE FROM ledger_periods",
    ):
        with pytest.raises(DBAPIError) as caught:
            async with ledger.db.transaction(write=True) as conn:
                await conn.execute(text(sql))
        assert refusal_code(caught.value) is ErrorCode.APPEND_ONLY, sql
    with pytest.raises(RiskpoolError) as refused:
        async with ledger.db.transaction(write=True) as conn:
            await LedgerPeriods(conn).approve_close("POOL", D0, "someone", NOW)
    assert refused.value.code is ErrorCode.INVALID_TRANSITION
    async with ledger.db.transaction(write=False) as conn:
        (period,) = await LedgerPeriods(conn).periods("POOL")
    assert period.closed and period.label == "2025-01" and period.approved_by == "approver"


async def test_months_close_in_order_and_only_once_over(ledger: Ledger) -> None:
    with pytest.raises(RiskpoolError) as refused:
        await _close(ledger, date(2025, 2, 1))
    assert refused.value.code is ErrorCode.VALIDATION  # January has entries and is open
    with pytest.raises(RiskpoolError) as refused:
        await _close(ledger, TODAY)
    assert refused.value.code is ErrorCode.VALIDATION  # March is not over
    await _close(ledger, D0)
    await _close(ledger, date(2025, 2, 14))
    with pytest.raises(RiskpoolError) as refused:
        await _close(ledger, D0)
    assert refused.value.code is ErrorCode.DUPLICATE


def test_month_of() -> None:
    assert month_of(date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert month_of(date(2025, 12, 31)) == (date(2025, 12, 1), date(2025, 12, 31))


# -- balance flags on every business date --------------------------------------------------


async def test_a_backdated_withdrawal_may_not_overdraw_any_later_day(ledger: Ledger) -> None:
    # 1,000.00 on D0 (the fixture); 500.00 paid out on 02-01; 400.00 more comes on 03-01.
    await ledger.post(transfer("out", "5001", "1002", 500, day=date(2025, 2, 1)))
    await ledger.post(transfer("in", "1002", "3001", 400, day=date(2025, 3, 1)))
    # Today's balance (900.00) would take 700.00, but 01-15's payout would leave
    # 02-01 at -200.00.
    with pytest.raises(RiskpoolError) as refused:
        await ledger.post(transfer("back", "5001", "1002", 700, day=date(2025, 1, 15)))
    assert refused.value.code is ErrorCode.INSUFFICIENT_FUNDS
    assert "2025-02-01" in refused.value.message
    assert (await ledger.balance("POOL", "1002")).amount == 900
    # Dated after the top-up, the same payout holds on every day.
    await ledger.post(transfer("after", "5001", "1002", 700, day=date(2025, 3, 1)))


_serial = itertools.count()
MOVES = st.lists(
    st.tuples(st.integers(0, 60), st.integers(-500, 500).filter(bool)), min_size=1, max_size=8
)


@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(moves=MOVES)
async def test_backdated_sequences_never_overdraw_any_day(
    ledger: Ledger, moves: list[tuple[int, int]]
) -> None:
    """Back-dated deposits and withdrawals in any order on a fresh no-overdraft
    account: a move is accepted exactly when every day's closing balance stays
    ≥ 0, and the accepted ones leave every day non-negative."""
    book = f"B{next(_serial)}"
    await pool_book(ledger, book=book)
    days: dict[date, int] = {}
    for offset, amount in moves:
        day = D0 + timedelta(days=offset)
        spec = (
            transfer(
                f"{book}-{len(days)}-{offset}-{amount}-{next(_serial)}",
                "1002",
                "3001",
                amount,
                book=book,
                day=day,
            )
            if amount > 0
            else transfer(f"{book}-{next(_serial)}", "5001", "1002", -amount, book=book, day=day)
        )
        trial = dict(days)
        trial[day] = trial.get(day, 0) + amount
        ok = all(
            sum(n for d, n in trial.items() if d <= when) >= 0 for when in trial if when >= day
        )
        try:
            await ledger.post(spec)
        except RiskpoolError as refused:
            assert not ok and refused.code is ErrorCode.INSUFFICIENT_FUNDS
            continue
        assert ok
        days = trial
    for when in days:
        expected = sum(n for d, n in days.items() if d <= when)
        assert (await ledger.balance(book, "1002", when)).amount == expected
