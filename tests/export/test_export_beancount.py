"""The beancount export, on ledgers built here, on SQLite and PostgreSQL.

Every export is loaded with beancount's loader (zero errors, what bean-check
runs) and its balances, computed by beancount's realization, are compared
with the ledger's trial balance (:func:`riskpool.export.check_export`).
"""

from __future__ import annotations

import os
import stat
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount.core import data, realization
from export_fixtures import (
    BOOK,
    CASH,
    CASH_GROUP,
    D0,
    FEES,
    FISCAL,
    OPENING,
    POOL,
    RECEIVABLE,
    cny,
    entry,
    fix_clock,
    history,
    memo_book,
    pool_book,
)

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
    assert check.accounts_compared == 9
    loaded = load_export(text)
    assert loaded.options["title"].startswith("市科技金融风险分担资金池 (CITY_POOL)")
    assert loaded.options["operating_currency"] == ["CNY"]
    assert loaded.options["render_commas"] is True
    balances = export_balances(loaded.entries)
    assert balances[CASH] == {"CNY": Decimal("49212345.67")}
    assert balances[FISCAL] == {"CNY": Decimal("-50000000.00")}


async def test_every_account_is_opened_with_its_currency_and_chinese_name(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    loaded = load_export(await export_beancount(ledger.db, BOOK))
    opens = {e.account: e for e in loaded.entries if isinstance(e, data.Open)}
    assert set(opens) == {
        CASH_GROUP,
        CASH,
        RECEIVABLE,
        f"Liabilities:{POOL}:2201-应付风险补偿款",
        f"Equity:{POOL}:3001-财政拨入资金",
        FISCAL,
        f"Income:{POOL}:4101-利息收入",
        f"Expenses:{POOL}:5101-风险补偿支出",
        FEES,  # 银行手续费（专户）: beancount refuses the full-width brackets
    }
    assert all(o.currencies == ["CNY"] for o in opens.values())
    assert opens[CASH].meta["name"] == "银行存款-资金池专户"
    assert opens[CASH].meta["code"] == "100201"
    assert opens[CASH].meta["parent"] == "1002"
    assert opens[CASH].meta["no_overdraft"] is True
    assert opens[FEES].meta["name"] == "银行手续费（专户）"


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
        assert {p.account.split(":")[-1].split("-")[0] for p in txn.postings} == {
            p.account for p in original.postings
        }
        for leg, posting in zip(original.postings, txn.postings, strict=True):
            assert posting.units.number == leg.amount.amount  # debit-positive both sides
            assert posting.meta["prev_hash"] == leg.prev_hash
    approve = txns[posted[1].id]
    assert approve.narration == "风险补偿经市政府批准，确认应付补偿款（补偿申请 7）"
    assert txns[posted[6].id].narration == '追偿款确认 "A公司" \\ 回收'
    assert approve.meta["claim_id"] == Decimal(7)
    assert approve.meta["loan_id"] == Decimal(42)
    assert approve.meta["contract_no"] == "ZKD2-2025-003"
    assert approve.meta["institution_id"] == Decimal(2)
    # The contract number, not the loan's internal id, ties the loan's entries together…
    assert approve.links == {"claim-7", "contract-ZKD2-2025-003"}
    assert txns[posted[2].id].links == {"claim-7", "contract-ZKD2-2025-003"}
    # …and the id is the link only where the entry carries no contract number.
    assert txns[posted[6].id].links == {"claim-7", "loan-42"}
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
    assert cash_forward.postings[1].account == OPENING
    in_period = [t for t in txns if t.flag == "*"]
    assert [int(t.meta["entry_id"]) for t in in_period] == [e.id for e in posted[4:]]
    balances = export_balances(loaded.entries)
    assert balances[OPENING] == {}  # nets to zero
    # …and the January file, exported separately, ends where February starts.
    january = await export_beancount(ledger.db, BOOK, date(2025, 1, 1), date(2025, 1, 31))
    assert (await check_export(ledger.db, BOOK, january, as_of=date(2025, 1, 31))).ok
    assert export_balances(load_export(january).entries)[CASH] == {"CNY": Decimal("49199964.50")}


async def test_statement_closing_balances_are_asserted_on_the_next_day(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    # Cash on 2025-01-25: 50,000,000 in, 800,000 paid out that very day.
    right = BalanceAssertion("100201", date(2025, 1, 25), cny("49200000.00"), reference="st-0125")
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
        BalanceAssertion("100201", date(2025, 1, 25), cny("49200000.01")),
        BalanceAssertion("100201", date(2025, 1, 25), cny("50000000.00")),
    ):
        errors = load_export(await export_beancount(ledger.db, BOOK, assertions=[wrong])).errors
        assert len(errors) == 1 and "Balance failed" in errors[0]


async def test_assertions_outside_the_period_are_left_out(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    january = BalanceAssertion("100201", date(2025, 1, 25), cny("49200000.00"))
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
    # 5301 (fees) nets to zero after the reversal; 1122 is closed with a balance.
    await ledger.close_account(BOOK, "5301", date(2025, 2, 10))
    await ledger.close_account(BOOK, "1122", date(2025, 3, 5))
    await ledger.post(entry("late", {"100201": "1.00", "4101": "-1.00"}, day=date(2025, 4, 2)))
    for period in ((None, None), (date(2025, 4, 1), date(2025, 4, 30))):
        text = await export_beancount(ledger.db, BOOK, *period)
        check = await check_export(ledger.db, BOOK, text, as_of=period[1])
        assert check.ok, check
        closes = {e.account: e.date for e in load_export(text).entries if isinstance(e, data.Close)}
        assert closes == {FEES: date(2025, 2, 10), RECEIVABLE: date(2025, 3, 5)}


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


async def test_parents_hold_their_sub_accounts_and_their_assertion_includes_them(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    text = await export_beancount(ledger.db, BOOK)
    loaded = load_export(text)
    assert loaded.errors == ()
    assert CASH.startswith(CASH_GROUP + ":")
    root = realization.realize(loaded.entries)
    group = realization.get(root, CASH_GROUP)
    rolled_up = realization.compute_balance(group).get_currency_units("CNY").number
    assert rolled_up == Decimal("49212345.67")  # what Fava shows on 1002 银行存款
    closing = {
        b.account: b.amount.number
        for b in loaded.entries
        if isinstance(b, data.Balance) and b.meta["source"] == "ledger"
    }
    # beancount checks a parent's balance with its sub-accounts: so is it asserted.
    assert closing[CASH_GROUP] == closing[CASH] == Decimal("49212345.67")
    assert closing[FISCAL.rsplit(":", 1)[0]] == Decimal("-50000000.00")


async def test_the_file_carries_fava_and_beancount_display_options(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    loaded = load_export(await export_beancount(ledger.db, BOOK))
    assert loaded.options["render_commas"] is True
    fava = {
        e.values[0].value: e.values[1].value
        for e in loaded.entries
        if isinstance(e, data.Custom) and e.type == "fava-option"
    }
    assert fava == {"language": "zh_CN", "locale": "zh_CN"}


async def test_the_combined_file_holds_every_book_and_checks(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    memo = await memo_book(ledger)
    text = await export_beancount(ledger.db, None)
    check = await check_export(ledger.db, None, text)
    assert check.ok, check
    assert check.accounts_compared == 9 + 2
    loaded = load_export(text)
    assert loaded.options["title"] == "全部账簿 all books (CITY_POOL, MEMO) — all entries"
    txns = by_entry_id(loaded.entries)
    assert set(txns) == {e.id for e in posted} | {memo.id}
    assert txns[memo.id].postings[0].account == "Assets:MEMO-备查簿:9001-担保代偿备查"
    assert txns[memo.id].links == {"loan-36"}  # no contract number in its metadata
    # Each book still nets to zero on its own inside the one file.
    balances = export_balances(loaded.entries)
    for top in (POOL, "MEMO-备查簿"):
        total = sum(
            (
                n
                for name, b in balances.items()
                if name.split(":")[1:2] == [top]
                for n in b.values()
            ),
            Decimal(0),
        )
        assert total == 0
    # The per-book file has the same transactions for its book.
    alone = by_entry_id(load_export(await export_beancount(ledger.db, BOOK)).entries)

    def legs(t: data.Transaction) -> list[tuple[Any, ...]]:
        return [(p.account, p.units, p.meta["seq"], p.meta["prev_hash"]) for p in t.postings]

    assert {i: legs(t) for i, t in alone.items()} == {
        i: legs(t) for i, t in txns.items() if i != memo.id
    }
    # A period of the combined file brings both books forward and checks too.
    period = await export_beancount(ledger.db, None, date(2025, 2, 1), date(2025, 2, 28))
    assert (await check_export(ledger.db, None, period, as_of=date(2025, 2, 28))).ok
    opened = {e.account for e in load_export(period).entries if isinstance(e, data.Open)}
    assert {OPENING, "Equity:MEMO-备查簿:Opening-Balances"} <= opened


async def test_an_assertion_in_the_combined_file_must_name_its_book(
    ledger: Ledger, posted: list[JournalEntry]
) -> None:
    await memo_book(ledger)
    loose = BalanceAssertion("100201", date(2025, 1, 25), cny("49200000.00"))
    with pytest.raises(RiskpoolError) as refused:
        await export_beancount(ledger.db, None, assertions=[loose])
    assert refused.value.code is ErrorCode.VALIDATION
    placed = BalanceAssertion("100201", date(2025, 1, 25), cny("49200000.00"), book=BOOK)
    text = await export_beancount(ledger.db, None, assertions=[placed])
    assert load_export(text).errors == ()
    assert 'source: "bank statement"' in text
    with pytest.raises(RiskpoolError) as unknown:
        await export_beancount(
            ledger.db, None, assertions=[BalanceAssertion("9001", D0, cny(1), book="NOPE")]
        )
    assert unknown.value.code is ErrorCode.UNKNOWN_BOOK


async def test_exported_files_are_readable_by_everyone_whatever_the_umask(
    ledger: Ledger, posted: list[JournalEntry], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / "pool.beancount"
    target.write_text("old")
    target.chmod(0o600)
    previous = os.umask(0o077)
    try:
        await export_to_path(ledger.db, target, BOOK)
        await export_to_path(ledger.db, out / "all.beancount", None)
    finally:
        os.umask(previous)
    for path in (target, out / "all.beancount"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(os.listdir(out)) == ["all.beancount", "pool.beancount"]  # no temporary left
