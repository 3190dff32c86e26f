"""A post's round trip through the database: sealed in Python, stored, loaded back
and verified alike for any text; refused with its own code; replayed and rolled
back with the caller's unit of work; whole or absent when cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from helpers import D0, cny, pool_book, transfer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moneyed import Money

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger import hashing
from riskpool.ledger.model import EntrySpec, JournalEntry, PostingSpec
from riskpool.ledger.service import Ledger
from riskpool.ledger.store import LedgerStore
from riskpool.ledger.verify import verify


@pytest.fixture
async def ledger(database: Any) -> Ledger:
    ledger = Ledger(database.db)
    await pool_book(ledger)
    return ledger


async def python_seal(ledger: Ledger, entry: JournalEntry) -> str:
    """The entry's hash recomputed from what the caller sees of it."""
    book_id = next(book.id for book in await ledger.books() if book.code == entry.book)
    return hashing.entry_hash(
        entry_id=entry.id,
        book_id=book_id,
        effective_date=entry.effective_date,
        booked_at=entry.booked_at,
        description=entry.description,
        metadata=dict(entry.metadata),
        idempotency_key=entry.idempotency_key,
        actor=entry.actor,
        reverses=entry.reverses,
        postings=[
            (
                p.account_id,
                p.amount.currency.code,
                int(p.amount.amount * 100),
                p.account_seq,
                int(p.balance_after.amount * 100),
                p.prev_hash,
            )
            for p in entry.postings
        ],
    )


# Text the canonical encoding must escape or keep: quotes, backslashes, control
# characters, CJK, astral-plane characters; never NUL (refused before sealing).
TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)
_serial = itertools.count()


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    description=TEXT,
    actor=TEXT.filter(bool),
    key=TEXT,
    metadata=st.dictionaries(TEXT, TEXT | st.integers() | st.booleans() | st.none(), max_size=3),
    fen=st.integers(min_value=1, max_value=10**15),
)
async def test_any_text_is_sealed_stored_and_verified_alike(
    ledger: Ledger, description: str, actor: str, key: str, metadata: dict[str, Any], fen: int
) -> None:
    amount = cny(fen) / 100
    spec = EntrySpec(
        "POOL",
        D0,
        description,
        (PostingSpec("1002", amount), PostingSpec("3001", -amount)),
        f"{next(_serial)}:{key}",
        actor,
        metadata=metadata,
    )
    entry = await ledger.post(spec)
    assert entry.entry_hash == await python_seal(ledger, entry)
    assert await ledger.entry(entry.id) == entry
    async with ledger.db.transaction(write=False) as conn:
        report = await verify(conn)
    assert report.ok, report.problems


@pytest.mark.parametrize(
    "spec",
    [
        transfer("u", "1002", "9999", 5),
        transfer("u", "1002", "3001", 5, book="NOPE"),
        transfer("u", "3001", "1002", 5),
        transfer("u", "2201", "3001", 5),
        transfer("u", "1002", "3001", 5, day=date(2024, 12, 31)),
        EntrySpec(
            "POOL",
            D0,
            "x",
            (
                PostingSpec("1002", Money(Decimal(5), "USD")),
                PostingSpec("3001", Money(Decimal(-5), "USD")),
            ),
            "u",
            "t",
        ),
    ],
    ids=["account", "book", "overdraft", "debit-flag", "not-open", "currency"],
)
async def test_each_refusal_has_its_code_and_changes_nothing(
    ledger: Ledger, spec: EntrySpec, request: pytest.FixtureRequest
) -> None:
    expected = {
        "account": ErrorCode.UNKNOWN_ACCOUNT,
        "book": ErrorCode.UNKNOWN_BOOK,
        "overdraft": ErrorCode.INSUFFICIENT_FUNDS,
        "debit-flag": ErrorCode.INSUFFICIENT_FUNDS,
        "not-open": ErrorCode.ACCOUNT_CLOSED,
        "currency": ErrorCode.CURRENCY_MISMATCH,
    }[request.node.callspec.id.split("-", 1)[1]]
    with pytest.raises(RiskpoolError) as caught:
        await ledger.post(spec)
    assert caught.value.code is expected
    tb = await ledger.trial_balance("POOL")
    assert all(row.debits == cny(0) and row.credits == cny(0) for row in tb.rows)


async def test_inside_a_unit_of_work_a_post_replays_and_rolls_back_with_it(
    ledger: Ledger,
) -> None:
    db = ledger.db
    async with db.transaction() as conn:
        store = LedgerStore(conn)
        first = await store.post(transfer("uow", "1002", "3001", 12))
        assert await store.post(transfer("uow", "1002", "3001", 12)) == first
        with pytest.raises(RiskpoolError) as caught:
            await store.post(transfer("uow", "1002", "3001", 13))
        assert caught.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert await ledger.entry(first.id) == first

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with db.transaction() as conn:
            await LedgerStore(conn).post(transfer("lost", "1002", "3001", 99))
            raise Boom
    assert await ledger.balance("POOL", "1002") == cny(12)


async def test_a_str_subclass_is_sealed_like_its_text(ledger: Ledger) -> None:
    class Text(str):
        """A str subclass, as a caller's library might hand one over."""

    spec = transfer("odd", "1002", "3001", 3, description=Text("子类 subclass"))
    entry = await ledger.post(spec)
    assert entry.entry_hash == await python_seal(ledger, entry)
    async with ledger.db.transaction(write=False) as conn:
        assert (await verify(conn)).ok


async def test_a_post_cancelled_in_flight_leaves_the_pool_usable(database: Any) -> None:
    """Cancelled at any point (here: as soon as it has started), a post either happened
    whole or not at all, and the connection it held is not handed out half-used."""
    from riskpool.db import Database, create_engine

    db = Database(create_engine(database.url, pool_size=1))
    try:
        ledger = Ledger(db)
        await pool_book(ledger)
        for attempt in range(5):
            task = asyncio.create_task(ledger.post(transfer(f"c{attempt}", "1002", "3001", 1)))
            for _ in range(attempt):
                await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        after = [await ledger.post(transfer(f"n{i}", "1002", "3001", 1)) for i in range(3)]
        assert [e.idempotency_key for e in after] == ["n0", "n1", "n2"]
        async with db.transaction(write=False) as conn:
            report = await verify(conn)
        assert report.ok, report.problems
    finally:
        await db.dispose()
