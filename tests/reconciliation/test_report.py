"""The report and its 银行存款余额调节表."""

from __future__ import annotations

from datetime import date, timedelta

from moneyed import Money
from recon_builders import item, line

from riskpool.reconciliation.matching import match
from riskpool.reconciliation.model import Statement, StatementFormat
from riskpool.reconciliation.report import bank_balance_on, build_report

DAY = date(2025, 6, 30)


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


def scenario() -> tuple[list, list]:  # type: ignore[type-arg]
    lines = [
        line("in", DAY - timedelta(5), 100000, reference="B1"),  # matched exactly
        line("fee", DAY - timedelta(3), -2500),  # bank paid, not booked
        line("interest", DAY - timedelta(1), 1234),  # bank received, not booked
        line("dup", DAY - timedelta(2), 50000, party="甲"),  # proposal
    ]
    items = [
        item(1, DAY - timedelta(5), 100000, reference="B1"),
        item(2, DAY - timedelta(2), 50000, party="甲"),
        item(3, DAY - timedelta(10), -70000),  # booked payout, not yet at the bank
        item(4, DAY, 30000),  # booked receipt, not yet at the bank
    ]
    return lines, items


def test_adjustment_table_balances_and_lists_outstanding_with_ages() -> None:
    lines, items = scenario()
    result = match(lines, items)
    # opening balances: book 0, bank 0 → book = Σ items, bank = Σ lines
    book = cny("1100.00")  # 1000 + 500 − 700 + 300
    bank = cny("1487.34")  # 1000 − 25 + 12.34 + 500
    report = build_report(
        DAY, book_balance=book, bank_balance=bank, lines=lines, items=items, matches=result.matches
    )
    table = report.table
    assert table.bank_received_not_booked == cny("512.34")  # interest + unconfirmed proposal
    assert table.bank_paid_not_booked == cny("25.00")
    assert table.booked_received_not_at_bank == cny("800.00")
    assert table.booked_paid_not_at_bank == cny("700.00")
    assert table.adjusted_book_balance == table.adjusted_bank_balance == cny("1587.34")
    assert table.balanced
    assert [m.rule for m in report.matched] == ["reference"]
    assert [m.rule for m in report.open_proposals] == ["amount_date"]
    ages = {o.line.dedup_key[-3:]: o.age_days for o in report.unmatched_lines}
    assert ages["fee"] == 3 and ages["est"] == 1
    assert {o.item.posting_seq: o.age_days for o in report.unmatched_items}[3] == 10


def test_confirming_a_proposal_reconciles_it() -> None:
    lines, items = scenario()
    result = match(lines, items)
    proposal = next(m for m in result.matches if not m.auto_confirmable)
    report = build_report(
        DAY,
        book_balance=cny("1100.00"),
        bank_balance=cny("1487.34"),
        lines=lines,
        items=items,
        matches=result.matches,
        confirmed={proposal.key},
    )
    assert report.open_proposals == ()
    assert len(report.matched) == 2
    assert report.table.balanced


def test_a_difference_is_shown_not_hidden() -> None:
    lines, items = scenario()
    report = build_report(
        DAY,
        book_balance=cny("1100.00"),
        bank_balance=cny("1487.00"),
        lines=lines,
        items=items,
        matches=match(lines, items).matches,
    )
    assert not report.table.balanced
    assert report.table.difference == cny("0.34")


def test_timing_difference_across_the_report_date() -> None:
    lines = [line("a", DAY, 500, reference="R")]
    items = [item(1, DAY + timedelta(1), 500, reference="R")]
    result = match(lines, items)
    report = build_report(
        DAY,
        book_balance=cny("0"),
        bank_balance=cny("5.00"),
        lines=lines,
        items=items,
        matches=result.matches,
    )
    assert report.matched == ()
    assert report.table.bank_received_not_booked == cny("5.00")
    assert report.table.balanced


def test_bank_reversal_pairs_with_its_original_and_cancels_out() -> None:
    lines = [
        line("orig", DAY - timedelta(2), -7000, end_to_end="CLM-1", party="乙"),
        line("other", DAY - timedelta(2), -7000, party="丙"),
        line("rev", DAY - timedelta(1), 7000, end_to_end="CLM-1", reversal=True),
    ]
    report = build_report(
        DAY,
        book_balance=cny("0"),
        bank_balance=cny("-70.00"),
        lines=lines,
        items=[],
        matches=[],
    )
    (pair,) = report.bank_reversals
    assert pair.original is not None and pair.original.dedup_key.endswith("orig")
    assert pair.cancelled
    assert [o.line.dedup_key[-5:] for o in report.unmatched_lines] == ["other"]
    assert report.table.balanced


def test_ledger_reversal_pairs_with_the_reversed_entry() -> None:
    items = [
        item(1, DAY - timedelta(3), -900, entry_id=10),
        item(2, DAY, 900, entry_id=11, reverses=10),
    ]
    report = build_report(
        DAY, book_balance=cny("0"), bank_balance=cny("0"), lines=[], items=items, matches=[]
    )
    (pair,) = report.book_reversals
    assert pair.original is not None and pair.original.posting_seq == 1 and pair.cancelled
    assert report.unmatched_items == ()
    assert report.table.balanced


def test_bank_balance_on_a_day_inside_a_statement() -> None:
    lines = (
        line("a", date(2025, 6, 2), 1000),
        line("b", date(2025, 6, 5), -300),
    )
    statement = Statement(
        format=StatementFormat.CAMT053,
        statement_id="S",
        account=lines[0].account,
        currency="CNY",
        opening_date=date(2025, 6, 1),
        opening_minor=500,
        closing_date=date(2025, 6, 5),
        closing_minor=1200,
        opening_derived=False,
        lines=lines,
        source_sha256="0" * 64,
    )
    assert bank_balance_on([statement], date(2025, 6, 3)) == cny("15.00")
    assert bank_balance_on([statement], date(2025, 6, 30)) == cny("12.00")
