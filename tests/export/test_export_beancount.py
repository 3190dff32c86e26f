"""The beancount export, on ledgers built here, on SQLite and PostgreSQL.

Every export is loaded with beancount's loader (zero errors, what bean-check
runs) and its balances, computed by beancount's realization, are compared
with the ledger's trial balance (:func:`riskpool.export.check_export`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount.core import data
from export_fixtures import BOOK, CASH, cny, entry, fix_clock, history, pool_book

from riskpool.db import Database
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.export import (
    BalanceAssertion,
    check_export,
    export_beancount,
    export_to_path,
    load_export,
)
from riskpool.export.check import check_chain_links, export_balances
from riskpool.ledger.model import JournalEntry
from riskpool.ledger.service import Ledger


@pytest.fixture
async def ledger(database: Any, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    fix_clock(monkeypatch)
    ledger = Ledger(database.db)
    await pool_book(ledger)
    return ledger


@pytest.fixture
async def posted(ledger: Ledger) -> list[JournalEntry]:
    return await history(ledger)


def transactions(entries: list[Any]) -> list[data.Transaction]:
    return [e for e in entries if isinstance(e, data.Transaction)]


def by_entry_id(entries: list[Any]) -> dict[int, data.Transaction]:
    return {int(t.meta["entry_id"]): t for t in transactions(entries) if "entry_id" in t.meta}


async def test_full_export_loads_without_errors_and_matches_the_ledger(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    text = await export_beancount(ledger.db, BOOK)
    check = await check_export(ledger.db, BOOK, text)
    assert check.errors == ()
    assert check.mismatches == ()
    assert check.chain_problems == ()
    assert check.accounts_compared == 7
    loaded = load_export(text)
    assert loaded.options["title"].startswith("科技贷风险补偿资金池 (POOL)")
    assert loaded.options["operating_currency"] == ["CNY"]
    balances = export_balances(loaded.entries)
    assert balances[CASH] == {"CNY": Decimal("49212345.67")}
    assert balances["Equity:POOL:A3001"] == {"CNY": Decimal("-50000000.00")}


async def test_every_account_is_opened_with_its_currency_and_chinese_name(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    loaded = load_export(await export_beancount(ledger.db, BOOK))
    opens = {e.account: e for e in loaded.entries if isinstance(e, data.Open)}
    assert set(opens) == {
        "Assets:POOL:A1002",
        "Assets:POOL:A1122",
        "Liabilities:POOL:A2201",
        "Equity:POOL:A3001",
        "Income:POOL:A4101",
        "Expenses:POOL:A5001",
        "Expenses:POOL:A5101",
    }
    assert all(o.currencies == ["CNY"] for o in opens.values())
    assert opens[CASH].meta["name"] == "银行存款"
    assert opens[CASH].meta["code"] == "1002"
    assert opens[CASH].meta["no_overdraft"] is True


async def test_entries_carry_ids_hashes_domain_ids_and_links(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    loaded = load_export(await export_beancount(ledger.db, BOOK))
    txns = by_entry_id(loaded.entries)
    assert len(txns) == len(posted)
    for original in posted:
        txn = txns[original.id]
        assert txn.date == original.effective_date
        assert txn.narration == original.description
        assert txn.meta["idempotency_key"] == original.idempotency_key
        assert txn.meta["entry_hash"] == original.entry_hash
        assert {p.account.split(":")[-1] for p in txn.postings} == {
            f"A{p.account}" for p in original.postings
        }
        for leg, posting in zip(original.postings, txn.postings, strict=True):
            assert posting.units.number == leg.amount.amount  # debit-positive both sides
            assert posting.meta["prev_hash"] == leg.prev_hash
    approve = txns[posted[1].id]
    assert approve.narration == '核准代偿 "A公司" \\ 贷款'
    assert approve.meta["claim_id"] == Decimal(7)
    assert approve.meta["loan_id"] == "L-2024/0031"
    assert approve.meta["institution_id"] == "ZZB"
    assert approve.links == {"claim-7", "loan-L-2024/0031"}
    assert txns[posted[2].id].narration == "支付代偿补偿款\n第二行"
    assert txns[posted[0].id].payee == "郑州市财政局"
    interest = txns[posted[5].id]
    assert interest.meta["nested"] == '{"rate":"0.35%"}'
    assert interest.meta["ledger_metadata"] == '{"Weird Key":true}'


async def test_a_reversal_and_its_original_are_linked_both_ways(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    original, reversal = posted[3], posted[4]
    assert reversal.reverses == original.id
    txns = by_entry_id(load_export(await export_beancount(ledger.db, BOOK)).entries)
    link = f"entry-{original.id}"
    assert link in txns[original.id].links and link in txns[reversal.id].links
    assert txns[reversal.id].meta["reverses"] == Decimal(original.id)
    assert txns[original.id].meta["reversed_by"] == Decimal(reversal.id)
    assert "reversal" in txns[reversal.id].tags


async def test_a_period_export_brings_balances_forward_and_validates_alone(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    start, end = date(2025, 2, 1), date(2025, 2, 28)
    text = await export_beancount(ledger.db, BOOK, start, end)
    check = await check_export(ledger.db, BOOK, text, as_of=end)
    assert check.ok, check
    loaded = load_export(text)
    txns = transactions(loaded.entries)
    opening = [t for t in txns if t.flag == "S"]
    assert {t.date for t in opening} == {date(2025, 1, 31)}
    assert all(t.meta["brought_forward"] is True for t in opening)
    cash_forward = next(t for t in opening if t.postings[0].account == CASH)
    assert cash_forward.postings[0].units.number == Decimal("49199964.50")
    assert cash_forward.postings[1].account == "Equity:POOL:Opening-Balances"
    in_period = [t for t in txns if t.flag == "*"]
    assert [int(t.meta["entry_id"]) for t in in_period] == [e.id for e in posted[4:]]
    balances = export_balances(loaded.entries)
    assert balances["Equity:POOL:Opening-Balances"] == {}  # nets to zero
    # …and the January file, exported separately, ends where February starts.
    january = await export_beancount(ledger.db, BOOK, date(2025, 1, 1), date(2025, 1, 31))
    assert (await check_export(ledger.db, BOOK, january, as_of=date(2025, 1, 31))).ok
    assert export_balances(load_export(january).entries)[CASH] == {"CNY": Decimal("49199964.50")}


async def test_statement_closing_balances_are_asserted_on_the_next_day(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    # Cash on 2025-01-25: 50,000,000 in, 800,000 paid out that very day.
    right = BalanceAssertion("1002", date(2025, 1, 25), cny("49200000.00"), reference="st-0125")
    text = await export_beancount(ledger.db, BOOK, assertions=[right])
    loaded = load_export(text)
    assert loaded.errors == ()
    statement = [
        b for b in loaded.entries if isinstance(b, data.Balance) and b.meta["source"] != "ledger"
    ]
    assert [(b.date, b.account, b.amount.number) for b in statement] == [
        (date(2025, 1, 26), CASH, Decimal("49200000.00"))
    ]
    assert statement[0].meta["statement"] == "st-0125"
    # Off by one fen, or the opening balance of the day mistaken for its
    # closing: bean-check refuses the file.
    for wrong in (
        BalanceAssertion("1002", date(2025, 1, 25), cny("49200000.01")),
        BalanceAssertion("1002", date(2025, 1, 25), cny("50000000.00")),
    ):
        errors = load_export(await export_beancount(ledger.db, BOOK, assertions=[wrong])).errors
        assert len(errors) == 1 and "Balance failed" in errors[0]


async def test_assertions_outside_the_period_are_left_out(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    january = BalanceAssertion("1002", date(2025, 1, 25), cny("49200000.00"))
    text = await export_beancount(
        ledger.db, BOOK, date(2025, 2, 1), date(2025, 2, 28), assertions=[january]
    )
    loaded = load_export(text)
    assert loaded.errors == ()
    assert not [
        b for b in loaded.entries if isinstance(b, data.Balance) and b.meta["source"] != "ledger"
    ]


async def test_bad_requests_are_refused_with_their_code(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    with pytest.raises(RiskpoolError) as unknown_book:
        await export_beancount(ledger.db, "NOPE")
    assert unknown_book.value.code is ErrorCode.UNKNOWN_BOOK
    with pytest.raises(RiskpoolError) as unknown_account:
        await export_beancount(
            ledger.db, BOOK, assertions=[BalanceAssertion("9999", date(2025, 1, 2), cny(1))]
        )
    assert unknown_account.value.code is ErrorCode.UNKNOWN_ACCOUNT
    with pytest.raises(RiskpoolError) as backwards:
        await export_beancount(ledger.db, BOOK, date(2025, 3, 1), date(2025, 2, 1))
    assert backwards.value.code is ErrorCode.VALIDATION


async def test_closed_accounts_are_closed_and_a_period_after_closing_validates(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    # 5101 (fees) nets to zero after the reversal; 1122 is closed with a balance.
    await ledger.close_account(BOOK, "5101", date(2025, 2, 10))
    await ledger.close_account(BOOK, "1122", date(2025, 3, 5))
    await ledger.post(entry("late", {"1002": "1.00", "4101": "-1.00"}, day=date(2025, 4, 2)))
    for period in ((None, None), (date(2025, 4, 1), date(2025, 4, 30))):
        text = await export_beancount(ledger.db, BOOK, *period)
        check = await check_export(ledger.db, BOOK, text, as_of=period[1])
        assert check.ok, check
        closes = {e.account: e.date for e in load_export(text).entries if isinstance(e, data.Close)}
        assert closes == {
            "Expenses:POOL:A5101": date(2025, 2, 10),
            "Assets:POOL:A1122": date(2025, 3, 5),
        }


async def test_an_empty_book_exports_a_valid_file(ledger: Ledger) -> None:
    text = await export_beancount(ledger.db, BOOK)
    assert (await check_export(ledger.db, BOOK, text)).ok


async def test_the_same_ledger_gives_a_byte_identical_file(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    first = await export_beancount(ledger.db, BOOK, date(2025, 1, 15), date(2025, 2, 28))
    second = await export_beancount(ledger.db, BOOK, date(2025, 1, 15), date(2025, 2, 28))
    assert first == second


async def test_chain_links_in_the_file_expose_a_tampered_hash(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    text = await export_beancount(ledger.db, BOOK)
    assert check_chain_links(load_export(text).entries) == []
    tampered = text.replace(posted[0].entry_hash, "f" * 64, 1)  # the first entry's seal
    problems = check_chain_links(load_export(tampered).entries)
    assert problems and all(f"#{posted[0].id}" in p for p in problems)


async def test_export_to_path_writes_the_file_atomically(
    ledger: Ledger, posted: list[JournalEntry], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / "pool.beancount"
    summary = await export_to_path(ledger.db, target, BOOK)
    assert summary.entries == len(posted)
    assert summary.postings == 2 * len(posted)
    assert summary.closing_as_of == date(2025, 2, 28)
    assert target.read_text(encoding="utf-8") == await export_beancount(ledger.db, BOOK)
    assert [p.name for p in out.iterdir()] == ["pool.beancount"]  # no temporary left


async def _build(db: Database) -> str:
    ledger = Ledger(db)
    await pool_book(ledger)
    await history(ledger)
    return await export_beancount(db, BOOK)


async def test_sqlite_and_postgresql_export_the_same_history_to_the_same_bytes(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both dialects in one test: the file depends on the ledger's content only."""
    import shutil

    fix_clock(monkeypatch)
    template: Path = request.getfixturevalue("sqlite_template")
    shutil.copyfile(template, tmp_path / "a.db")
    server: Any = request.getfixturevalue("postgres_server")
    outputs = []
    for url in (f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", await server.fresh()):
        db = Database.from_url(url)
        try:
            outputs.append(await _build(db))
        finally:
            await db.dispose()
    assert outputs[0] == outputs[1]
    assert load_export(outputs[0]).errors == ()
