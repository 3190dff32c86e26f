"""The ledger service: posting, idempotency, reversal, balances, reports."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date
from typing import Any

import pytest
from helpers import D0, cny, pool_book, transfer

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.model import EntrySpec, PostingSpec
from riskpool.ledger.service import Ledger
from riskpool.ledger.verify import verify


@pytest.fixture
async def ledger(database) -> Ledger:  # type: ignore[no-untyped-def]
    ledger = Ledger(database.db)
    await pool_book(ledger)
    return ledger


async def test_post_moves_both_balances_and_returns_the_sealed_entry(ledger: Ledger) -> None:
    entry = await ledger.post(transfer("k1", "1002", "3001", "1000.50"))
    assert entry.id > 0 and len(entry.entry_hash) == 64
    assert {p.account: p.amount for p in entry.postings} == {
        "1002": cny("1000.50"),
        "3001": -cny("1000.50"),
    }
    assert await ledger.balance("POOL", "1002") == cny("1000.50")
    assert await ledger.balance("POOL", "3001") == cny("-1000.50")


async def test_same_key_same_payload_returns_the_first_entry(ledger: Ledger) -> None:
    first = await ledger.post(transfer("k1", "1002", "3001", 10))
    again = await ledger.post(transfer("k1", "1002", "3001", 10))
    assert again == first
    assert await ledger.balance("POOL", "1002") == cny(10)


async def test_same_key_other_payload_is_an_idempotency_conflict(ledger: Ledger) -> None:
    await ledger.post(transfer("k1", "1002", "3001", 10))
    with pytest.raises(RiskpoolError) as caught:
        await ledger.post(transfer("k1", "1002", "3001", 11))
    assert caught.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert await ledger.balance("POOL", "1002") == cny(10)


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        (
            EntrySpec(
                "POOL",
                D0,
                "x",
                (PostingSpec("1002", cny(5)), PostingSpec("3001", cny(-4))),
                "u",
                "t",
            ),
            ErrorCode.UNBALANCED,
        ),
        (
            EntrySpec("POOL", D0, "x", (PostingSpec("1002", cny(5)),), "u", "t"),
            ErrorCode.UNBALANCED,
        ),
        (transfer("u", "1002", "9999", 5), ErrorCode.UNKNOWN_ACCOUNT),
        (transfer("u", "1002", "3001", 5, book="NOPE"), ErrorCode.UNKNOWN_BOOK),
        (transfer("u", "1002", "3001", "0.001"), ErrorCode.INVALID_AMOUNT),
        (transfer("u", "1002", "3001", 0), ErrorCode.INVALID_AMOUNT),
        (transfer("u", "3001", "1002", 5), ErrorCode.INSUFFICIENT_FUNDS),
        (transfer("u", "1002", "3001", 5, day=date(2024, 12, 31)), ErrorCode.ACCOUNT_CLOSED),
        (
            EntrySpec(
                "POOL",
                D0,
                "x",
                (PostingSpec("1002", cny(5)), PostingSpec("1002", cny(-5))),
                "u",
                "t",
            ),
            ErrorCode.INVALID_ENTRY,
        ),
    ],
)
async def test_bad_requests_get_their_code_and_change_nothing(
    ledger: Ledger, spec: EntrySpec, code: ErrorCode
) -> None:
    with pytest.raises(RiskpoolError) as caught:
        await ledger.post(spec)
    assert caught.value.code is code
    tb = await ledger.trial_balance("POOL")
    assert all(row.debits == cny(0) and row.credits == cny(0) for row in tb.rows)


async def test_currency_mismatch_is_refused(ledger: Ledger) -> None:
    from decimal import Decimal

    from moneyed import Money

    usd = Money(Decimal(5), "USD")
    spec = EntrySpec(
        "POOL", D0, "x", (PostingSpec("1002", usd), PostingSpec("3001", -usd)), "u", "t"
    )
    with pytest.raises(RiskpoolError) as caught:
        await ledger.post(spec)
    assert caught.value.code is ErrorCode.CURRENCY_MISMATCH


@pytest.mark.parametrize(
    "bad",
    [
        transfer("bad-nul\x00", "1002", "3001", 1),  # refused by validation
        transfer("bad-zero", "1002", "3001", 0),
        EntrySpec(  # a field of an unusual type: validation speaks first
            "POOL", D0, "x", (PostingSpec(1002, cny(1)), PostingSpec("3001", cny(-1))), "k", "t"
        ),  # type: ignore[arg-type]
    ],
    ids=["nul", "zero", "odd-type"],
)
async def test_a_large_batch_with_one_bad_request_changes_nothing(
    ledger: Ledger, bad: EntrySpec
) -> None:
    """A request refused by validation in the middle of a large batch gets its own
    typed error, nothing is written, and the connection is fine afterwards."""
    specs = [transfer(f"big-{i}", "1002", "3001", 1) for i in range(1_200)]
    specs.insert(700, bad)
    with pytest.raises(RiskpoolError) as caught:
        await ledger.post_many(specs)
    assert caught.value.code in (ErrorCode.INVALID_ENTRY, ErrorCode.INVALID_AMOUNT)
    assert await ledger.balance("POOL", "1002") == cny(0)
    posted = await ledger.post_many(specs[:700] + specs[701:])  # the connection is fine
    assert len(posted) == 1_200
    assert await ledger.balance("POOL", "1002") == cny(1_200)


async def test_post_many_is_all_or_nothing(ledger: Ledger) -> None:
    good = transfer("a", "1002", "3001", 100)
    bad = transfer("b", "5001", "1002", 500)  # overdraws cash after the first
    with pytest.raises(RiskpoolError) as caught:
        await ledger.post_many([good, bad])
    assert caught.value.code is ErrorCode.INSUFFICIENT_FUNDS
    assert await ledger.balance("POOL", "1002") == cny(0)
    posted = await ledger.post_many([good, transfer("b", "5001", "1002", 40)])
    assert [e.idempotency_key for e in posted] == ["a", "b"]
    assert await ledger.balance("POOL", "1002") == cny(60)


async def test_reverse_posts_the_opposite_once(ledger: Ledger) -> None:
    entry = await ledger.post(transfer("k1", "1002", "3001", 70))
    reversal = await ledger.reverse(entry.id, reason="typo", idempotency_key="r1", actor="t")
    assert reversal.reverses == entry.id
    assert await ledger.balance("POOL", "1002") == cny(0)
    replay = await ledger.reverse(entry.id, reason="typo", idempotency_key="r1", actor="t")
    assert replay == reversal
    with pytest.raises(RiskpoolError) as caught:
        await ledger.reverse(entry.id, reason="again", idempotency_key="r2", actor="t")
    assert caught.value.code is ErrorCode.ALREADY_REVERSED
    with pytest.raises(RiskpoolError) as unknown:
        await ledger.reverse(10**9, reason="x", idempotency_key="r3", actor="t")
    assert unknown.value.code is ErrorCode.UNKNOWN_ENTRY


async def test_balance_as_of_and_statement_running_balance(ledger: Ledger) -> None:
    await ledger.post(transfer("a", "1002", "3001", 100, day=date(2025, 1, 5)))
    await ledger.post(transfer("b", "5001", "1002", 30, day=date(2025, 2, 5)))
    await ledger.post(transfer("c", "1002", "3001", 10, day=date(2025, 1, 20)))
    assert await ledger.balance("POOL", "1002", as_of=date(2025, 1, 31)) == cny(110)
    assert await ledger.balance("POOL", "1002", as_of=date(2025, 1, 4)) == cny(0)
    statement = await ledger.statement("POOL", "1002", date(2025, 1, 10), date(2025, 12, 31))
    assert statement.opening == cny(100)
    assert [line.running_balance for line in statement.lines] == [cny(110), cny(80)]
    assert statement.closing == cny(80)


async def test_trial_balance_nets_to_zero(ledger: Ledger) -> None:
    await ledger.post(transfer("a", "1002", "3001", 100))
    await ledger.post(transfer("b", "5001", "1002", 30))
    tb = await ledger.trial_balance("POOL", as_of=D0)
    assert tb.balanced
    assert tb.totals["CNY"] == (cny(130), cny(130))
    by_code = {row.account.code: row.balance for row in tb.rows}
    assert by_code == {"1002": cny(70), "2201": cny(0), "3001": cny(-100), "5001": cny(30)}


async def test_closed_account_refuses_later_entries(ledger: Ledger) -> None:
    await ledger.close_account("POOL", "5001", date(2025, 3, 31))
    await ledger.post(transfer("a", "1002", "3001", 100))
    with pytest.raises(RiskpoolError) as caught:
        await ledger.post(transfer("b", "5001", "1002", 1, day=date(2025, 4, 1)))
    assert caught.value.code is ErrorCode.ACCOUNT_CLOSED


async def test_returned_entries_equal_what_is_loaded_afterwards(ledger: Ledger) -> None:
    """``post``/``post_many`` build their results from what they wrote (no read-back):
    every field must equal what ``entry()`` loads, replays and metadata included."""
    first = await ledger.post(transfer("a", "1002", "3001", "100.50"))
    assert await ledger.entry(first.id) == first
    tagged = EntrySpec(
        "POOL",
        D0,
        "带元数据 with metadata",
        (PostingSpec("5001", cny("0.01")), PostingSpec("1002", -cny("0.01"))),
        "m",
        "t",
        metadata={"claim": "C-1", "n": [1, True, None], "nested": {"z": "ü", "a": 2}},
    )
    batch = [
        transfer("b", "5001", "1002", 30),
        tagged,
        transfer("a", "1002", "3001", "100.50"),  # replay of an earlier call
        transfer("c", "1002", "3001", 7),
        transfer("b", "5001", "1002", 30),  # replay inside the batch
    ]
    posted = await ledger.post_many(batch)
    assert [e.idempotency_key for e in posted] == ["b", "m", "a", "c", "b"]
    assert posted[2] == first and posted[4] == posted[0]
    for entry in posted:
        assert await ledger.entry(entry.id) == entry
    # chained: each posting links to the previous entry on its account
    cash = [
        p
        for e in (first, posted[0], posted[1], posted[3])
        for p in e.postings
        if p.account == "1002"
    ]
    assert [p.account_seq for p in cash] == [1, 2, 3, 4]
    assert cash[1].prev_hash == first.entry_hash
    assert cash[3].balance_after == cny("77.49")


async def test_post_many_in_several_chunks_checks_and_chains_across_them(
    ledger: Ledger,
) -> None:
    """A batch larger than :data:`~riskpool.ledger.store.CHUNK_ENTRIES` is inserted in
    several chunks of whole entries, postings first: balances and chain heads carry
    over from chunk to chunk, and a batch refused in its last chunk changes nothing."""
    from riskpool.ledger.store import CHUNK_ENTRIES

    size = CHUNK_ENTRIES + 2
    specs = [transfer(f"k{i}", "1002", "3001", 1) for i in range(size)]
    specs += [transfer(f"p{i}", "5001", "1002", 1) for i in range(3)]
    posted = await ledger.post_many(specs)
    assert len(posted) == size + 3
    for index in (0, CHUNK_ENTRIES - 1, CHUNK_ENTRIES, size + 2):
        assert await ledger.entry(posted[index].id) == posted[index]
    across = next(p for p in posted[CHUNK_ENTRIES].postings if p.account == "1002")
    assert across.prev_hash == posted[CHUNK_ENTRIES - 1].entry_hash
    assert across.account_seq == CHUNK_ENTRIES + 1
    assert await ledger.balance("POOL", "1002") == cny(size - 3)
    again = await ledger.post(transfer("z", "5001", "1002", 2))
    cash = next(p for p in again.postings if p.account == "1002")
    assert cash.account_seq == size + 4 and cash.prev_hash == posted[-1].entry_hash
    bad = [transfer(f"q{i}", "1002", "3001", 1) for i in range(size)]
    bad.append(transfer("q-over", "5001", "1002", 100_000))
    with pytest.raises(RiskpoolError) as caught:
        await ledger.post_many(bad)
    assert caught.value.code is ErrorCode.INSUFFICIENT_FUNDS
    assert await ledger.balance("POOL", "1002") == cny(size - 5)
    async with ledger.db.transaction(write=False) as conn:
        report = await verify(conn)
    assert report.ok, report.problems


async def test_nul_characters_are_refused(ledger: Ledger) -> None:
    for spec in (
        transfer("k\x00", "1002", "3001", 1),
        transfer("k", "1002", "3001", 1, description="a\x00b"),
        EntrySpec(
            "POOL",
            D0,
            "x",
            (PostingSpec("1002", cny(1)), PostingSpec("3001", cny(-1))),
            "m",
            "t",
            metadata={"note": "\x00"},
        ),
    ):
        with pytest.raises(RiskpoolError) as caught:
            await ledger.post(spec)
        assert caught.value.code is ErrorCode.INVALID_ENTRY


async def test_a_batch_is_refused_with_its_first_bad_request(ledger: Ledger) -> None:
    """Requests are validated first, then each is checked in full (key, accounts,
    flags) in batch order: the refusal is the first bad request's, and nothing is
    written."""
    await ledger.post(transfer("seed", "1002", "3001", 5))
    await ledger.close_account("POOL", "5001", date(2025, 3, 31))
    late = date(2025, 4, 1)
    cases = [
        # an account closed, before a malformed request and an overdraft
        (
            [
                transfer("a", "1002", "3001", 1),
                transfer("b", "5001", "1002", 1, day=late),
                transfer("c", "1002", "3001", 0),
                transfer("d", "5001", "1002", 100, day=D0),
            ],
            ErrorCode.ACCOUNT_CLOSED,
        ),
        # an overdraft, before a key reused with another payload
        (
            [transfer("e", "5001", "1002", 100), transfer("seed", "1002", "3001", 6)],
            ErrorCode.INSUFFICIENT_FUNDS,
        ),
        # a malformed request, before an unknown account
        (
            [transfer("f", "1002", "3001", 0), transfer("g", "1002", "9999", 1)],
            ErrorCode.INVALID_AMOUNT,
        ),
        # a key used twice with two payloads, before an overdraft
        (
            [
                transfer("h", "1002", "3001", 1),
                transfer("h", "1002", "3001", 2),
                transfer("i", "5001", "1002", 100),
            ],
            ErrorCode.IDEMPOTENCY_CONFLICT,
        ),
    ]
    for batch, code in cases:
        with pytest.raises(RiskpoolError) as caught:
            await ledger.post_many(batch)
        assert caught.value.code is code, batch
    assert await ledger.balance("POOL", "1002") == cny(5)
    posted = await ledger.post_many([transfer("j", "1002", "3001", 1)] * 3)
    assert len(posted) == 3 and posted[0] is posted[2]


async def test_post_many_returns_the_entries_in_request_order(ledger: Ledger) -> None:
    """One entry per request, in order, built from what was written (equal to what
    is loaded); a replayed request gives its first entry."""
    first = await ledger.post(transfer("r", "1002", "3001", 3))
    posted = await ledger.post_many(
        [transfer(f"n{i}", "1002", "3001", i + 1) for i in range(4)]
        + [transfer("r", "1002", "3001", 3)]
    )
    assert [e.idempotency_key for e in posted] == ["n0", "n1", "n2", "n3", "r"]
    assert posted[-1] == first
    assert posted == [await ledger.entry(entry.id) for entry in posted]


async def test_posting_works_once_the_tables_are_analysed(ledger: Ledger) -> None:
    """Once the tables are analysed (autovacuum does it), a batch still finds and
    locks every account it posts to, and the triggers find its postings."""
    async with ledger.db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql("ANALYZE")
    posted = await ledger.post_many(
        [transfer(f"z{i}", "1002", "3001", 1) for i in range(3)]
        + [transfer("y", "5001", "1002", 2)]
    )
    assert [p.balance_after for p in posted[-1].postings] == [cny(2), cny(1)]
    assert await ledger.balance("POOL", "5001") == cny(2)


async def test_a_batch_cancelled_anywhere_is_whole_or_absent(database: Any) -> None:
    """Cancelled at any point of the write path (lock, keys, ids, inserts, commit),
    a batch is written whole or not at all, and the connection it held is not
    handed out half-used."""
    from riskpool.db import Database, create_engine
    from riskpool.ledger.store import LedgerStore

    db = Database(create_engine(database.url, pool_size=1))
    try:
        ledger = Ledger(db)
        await pool_book(ledger)
        sizes = {}
        for turns in range(40):
            batch = [transfer(f"c{turns}-{i}", "1002", "3001", 1) for i in range(6)]
            task = asyncio.create_task(ledger.post_many(batch))
            for _ in range(turns):
                await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            async with db.transaction(write=False) as conn:
                reads = LedgerStore(conn)
                found = [await reads.entry_by_key(s.idempotency_key) for s in batch]
            sizes[turns] = sum(entry is not None for entry in found)
        assert set(sizes.values()) <= {0, 6}, sizes
        assert sizes[0] == 0
        after = await ledger.post_many([transfer(f"n{i}", "1002", "3001", 1) for i in range(3)])
        assert [e.idempotency_key for e in after] == ["n0", "n1", "n2"]
        async with db.transaction(write=False) as conn:
            report = await verify(conn)
        assert report.ok, report.problems
    finally:
        await db.dispose()
