"""Group commit: concurrent posts share statements, and each keeps its own outcome.

The first test runs on both dialects (on SQLite each post is its own
transaction, so it pins down the outcomes grouping must not change); the others
drive :class:`~riskpool.ledger.grouping.GroupCommit` with a scripted statement,
to reach the paths a real server only takes under races: a failed statement,
a lost connection, a cancelled caller.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from helpers import cny, pool_book, transfer
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger import grouping, onecall
from riskpool.ledger.grouping import GroupCommit
from riskpool.ledger.requests import Prepared, prepare
from riskpool.ledger.service import Ledger
from riskpool.ledger.verify import verify


async def test_concurrent_posts_share_statements_and_keep_their_own_outcomes(
    database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = Ledger(database.db)
    await pool_book(ledger)
    fund = await ledger.post(transfer("fund", "1002", "3001", 100))
    sizes: list[int] = []
    post_each = onecall.post_each

    async def counted(driver: Any, items: Sequence[Prepared], booked_at: datetime) -> Any:
        sizes.append(len(items))
        return await post_each(driver, items, booked_at)

    monkeypatch.setattr(onecall, "post_each", counted)
    expected: dict[str, str] = {}
    specs = []
    for i in range(10):
        specs.append(transfer(f"ok-{i}", "5001", "1002", 9))  # 90 of the 100 go out
        expected[f"ok-{i}"] = "posted"
    cases = {
        "over": (transfer("over", "5001", "1002", 1000), ErrorCode.INSUFFICIENT_FUNDS.value),
        "unknown": (transfer("unknown", "9999", "3001", 1), ErrorCode.UNKNOWN_ACCOUNT.value),
        "book": (transfer("book", "1002", "3001", 1, book="NOPE"), ErrorCode.UNKNOWN_BOOK.value),
        "fund": (transfer("fund", "1002", "3001", 100), "replay"),
        "fund-again": (transfer("fund", "1002", "3001", 101), "IDEMPOTENCY_CONFLICT"),
    }
    for name, (spec, outcome) in cases.items():
        specs.append(spec)
        expected[name] = outcome
    twins = [transfer("twin", "1002", "3001", 5), transfer("twin", "1002", "3001", 5)]
    specs += twins
    results = await asyncio.gather(*(ledger.post(s) for s in specs), return_exceptions=True)

    names = [f"ok-{i}" for i in range(10)] + list(cases) + ["twin", "twin"]
    seen: dict[str, str] = {}
    for name, result in zip(names, results, strict=True):
        if isinstance(result, RiskpoolError):
            seen[name] = result.code.value
        elif isinstance(result, BaseException):
            raise result
        elif name == "fund":
            assert result == fund
            seen[name] = "replay"
        else:
            seen[name] = "posted"
    assert seen == {**expected, "twin": "posted"}
    twin_a, twin_b = results[-2:]
    assert not isinstance(twin_a, BaseException) and not isinstance(twin_b, BaseException)
    assert twin_a.id == twin_b.id  # the second twin waited for the next call: a replay
    # 100 in, 90 paid out, the payout of 1,000 refused; 5 more in from the twin.
    assert await ledger.balance("POOL", "1002") == cny(15)
    assert await ledger.balance("POOL", "5001") == cny(90)
    async with database.db.transaction(write=False) as conn:
        report = await verify(conn)
    assert report.ok, report.problems
    if database.dialect == "postgresql":
        assert max(sizes) > 1, sizes  # posts did share statements
        assert max(sizes) <= grouping.MAX_BATCH
        # Each statement's record for the commit-time check (migration 0009) is
        # removed at its commit: nothing accumulates.
        async with database.db.transaction(write=False) as conn:
            left = await conn.execute(text("SELECT count(*) FROM ledger_posting_batches"))
            assert left.scalar_one() == 0


# -- the mechanics, with a scripted statement ----------------------------------------


def item(key: str, amount: int = 1) -> Prepared:
    return prepare(transfer(key, "1002", "3001", amount))


class Scripted:
    """Stands in for the database: records each call's keys and answers each item
    with its key (or raises what ``fail`` says for a call of those keys)."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.fail: Any = None  # keys -> exception or None
        self.gate = asyncio.Event()
        self.gate.set()
        self.connects = 0
        self.connect_error: BaseException | None = None

    async def post_each(self, driver: Any, items: Sequence[Prepared], booked: datetime) -> Any:
        keys = [i.spec.idempotency_key for i in items]
        self.calls.append(keys)
        await self.gate.wait()
        error = self.fail(keys) if self.fail else None
        if error is not None:
            raise error
        return [f"done {k}" for k in keys]

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[object]:
        self.connects += 1
        if self.connect_error is not None:
            error, self.connect_error = self.connect_error, None
            raise error
        yield object()


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Scripted:
    script = Scripted()
    monkeypatch.setattr(onecall, "post_each", script.post_each)
    return script


def group(script: Scripted, **options: int) -> GroupCommit:
    return GroupCommit(script.connect, lambda: datetime(2025, 1, 1, tzinfo=UTC), **options)


async def test_posts_that_arrive_together_share_calls_in_arrival_order(
    scripted: Scripted,
) -> None:
    commit = group(scripted, max_batch=4, max_in_flight=2)
    keys = [f"k{i}" for i in range(11)]
    outcomes = await asyncio.gather(*(commit.post(item(k)) for k in keys))
    assert outcomes == [f"done {k}" for k in keys]  # each caller gets its own outcome
    assert [k for call in scripted.calls for k in call] == keys  # each sent once, in order
    assert all(len(call) <= 4 for call in scripted.calls)
    assert len(scripted.calls) < len(keys)


async def test_a_post_alone_goes_out_at_once(scripted: Scripted) -> None:
    commit = group(scripted)
    assert await commit.post(item("alone")) == "done alone"
    assert scripted.calls == [["alone"]]


async def test_one_key_never_twice_in_a_call(scripted: Scripted) -> None:
    commit = group(scripted, max_batch=8, max_in_flight=1)
    keys = ["a", "b", "a", "c", "a"]
    outcomes = await asyncio.gather(*(commit.post(item(k)) for k in keys))
    assert outcomes == [f"done {k}" for k in keys]
    assert all(len(call) == len(set(call)) for call in scripted.calls)
    assert scripted.calls[0] == ["a", "b", "c"]


async def test_a_failed_call_is_retried_post_by_post(scripted: Scripted) -> None:
    """A statement that fails as a whole (say, another writer took one of its keys
    first) wrote nothing: each of its posts is sent again alone, so only the post
    concerned sees the error."""
    race = IntegrityError("ledger_post_batch", None, Exception("uq_ledger_entries_idempotency_key"))

    def fail(keys: list[str]) -> Exception | None:
        return race if "raced" in keys else None

    scripted.fail = fail
    commit = group(scripted, max_batch=8, max_in_flight=1)
    keys = ["first", "raced", "third"]
    scripted.gate.clear()
    waiting = [asyncio.ensure_future(commit.post(item("opener")))]
    await asyncio.sleep(0.01)  # the opener's call is in flight; the rest wait for it
    waiting += [asyncio.ensure_future(commit.post(item(k))) for k in keys]
    await asyncio.sleep(0)
    scripted.gate.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert results[0] == "done opener"
    assert results[1] == "done first" and results[3] == "done third"
    assert results[2] is race
    assert scripted.calls == [["opener"], keys, ["first"], ["raced"], ["third"]]


async def test_a_cancelled_caller_is_not_sent(scripted: Scripted) -> None:
    commit = group(scripted, max_batch=8, max_in_flight=1)
    scripted.gate.clear()
    opener = asyncio.ensure_future(commit.post(item("opener")))
    await asyncio.sleep(0.01)  # the opener's call is in flight; the rest wait
    keep = asyncio.ensure_future(commit.post(item("keep")))
    gone = asyncio.ensure_future(commit.post(item("gone")))
    await asyncio.sleep(0)
    gone.cancel()
    scripted.gate.set()
    assert await opener == "done opener"
    assert await keep == "done keep"
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert scripted.calls == [["opener"], ["keep"]]


async def test_a_connection_that_cannot_be_had_fails_its_call_only(scripted: Scripted) -> None:
    scripted.connect_error = DBAPIError("connect", None, Exception("connection refused"))
    commit = group(scripted)
    with pytest.raises(DBAPIError):
        await commit.post(item("unlucky"))
    assert await commit.post(item("next")) == "done next"


async def test_the_ledger_raises_a_refusal_and_loads_a_replay(database: Any) -> None:
    """The service's side of an outcome (both dialects): refusals are raised with
    their own code, replays return the stored entry."""
    ledger = Ledger(database.db)
    await pool_book(ledger)
    first = await ledger.post(transfer("x", "1002", "3001", 3))
    again, refused = await asyncio.gather(
        ledger.post(transfer("x", "1002", "3001", 3)),
        ledger.post(transfer("y", "5001", "1002", 4)),
        return_exceptions=True,
    )
    assert again == first
    assert isinstance(refused, RiskpoolError)
    assert refused.code is ErrorCode.INSUFFICIENT_FUNDS
