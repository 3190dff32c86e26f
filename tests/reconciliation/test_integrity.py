"""The integrity proof: arithmetic, running balances, dates, continuity."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money
from recon_builders import line

from riskpool.errors import ErrorCode
from riskpool.reconciliation.errors import StatementError
from riskpool.reconciliation.integrity import (
    ClosingPoint,
    check_statement,
    prove_file,
    prove_statement,
)
from riskpool.reconciliation.model import Statement, StatementFile, StatementFormat

START = date(2025, 1, 1)


def statement(
    amounts: list[int],
    *,
    opening: int = 0,
    running: bool = True,
    sid: str = "S1",
    start: date = START,
) -> Statement:
    balance = opening
    lines = []
    for k, amount in enumerate(amounts):
        balance += amount
        lines.append(
            line(
                f"{sid}-{k}",
                start + timedelta(days=k // 3),
                amount,
                balance=balance if running else None,
                source_line=k + 2,
            )
        )
    return Statement(
        format=StatementFormat.CSV,
        statement_id=sid,
        account=lines[0].account if lines else "CN0310000000000012345",
        currency="CNY",
        opening_date=start,
        opening_minor=opening,
        closing_date=lines[-1].booking_date if lines else start,
        closing_minor=balance,
        opening_derived=False,
        lines=tuple(lines),
        source_sha256="0" * 64,
    )


amounts = st.lists(st.integers(-(10**9), 10**9).filter(bool), max_size=40)


@given(amounts, st.integers(-(10**10), 10**10))
def test_property_a_consistent_statement_is_proved(values: list[int], opening: int) -> None:
    assert check_statement(statement(values, opening=opening)) == ()


@given(amounts.filter(len), st.data())
def test_property_changing_any_amount_is_detected_at_its_line(
    values: list[int], data: st.DataObject
) -> None:
    sound = statement(values)
    index = data.draw(st.integers(0, len(values) - 1))
    delta = data.draw(st.integers(-1000, 1000).filter(bool))
    tampered_line = replace(
        sound.lines[index], amount_minor=sound.lines[index].amount_minor + delta
    )
    lines = list(sound.lines)
    lines[index] = tampered_line
    breaks = check_statement(replace(sound, lines=tuple(lines)))
    assert breaks
    assert breaks[0].line == tampered_line.source_line


def test_unbalanced_statement_reports_expected_and_found() -> None:
    bad = replace(statement([100, -50], running=False), closing_minor=60)
    with pytest.raises(StatementError) as caught:
        prove_statement(bad)
    assert caught.value.code is ErrorCode.STATEMENT_UNBALANCED
    (only,) = caught.value.breaks
    assert (only.kind, only.expected, only.found) == ("closing_balance", "0.50 CNY", "0.60 CNY")


def test_continuity_against_the_previous_statement() -> None:
    current = statement([100], opening=1000)
    prove_statement(current, ClosingPoint(Money("10.00", "CNY"), START))
    with pytest.raises(StatementError) as caught:
        prove_statement(current, ClosingPoint(Money("10.01", "CNY"), START))
    assert caught.value.code is ErrorCode.STATEMENT_DISCONTINUOUS
    assert caught.value.breaks[0].expected == "10.01 CNY"
    with pytest.raises(StatementError) as caught:
        prove_statement(current, ClosingPoint(Money("10.00", "CNY"), START + timedelta(days=1)))
    assert caught.value.breaks[0].kind == "opening_date"


def test_prove_file_chains_statements_of_an_account_and_returns_the_new_end() -> None:
    first = statement([100, 200], opening=0, sid="A")
    second = statement([-50], opening=300, sid="B", start=first.closing_date)
    ends = prove_file(
        StatementFile(StatementFormat.CSV, "0" * 64, 1, (first, second)),
        {first.account: ClosingPoint(Money("0", "CNY"), START)},
    )
    assert ends[first.account] == ClosingPoint(Money("2.50", "CNY"), second.closing_date)
    gap = statement([-50], opening=299, sid="C", start=first.closing_date)
    with pytest.raises(StatementError) as caught:
        prove_file(StatementFile(StatementFormat.CSV, "0" * 64, 1, (first, gap)))
    assert caught.value.code is ErrorCode.STATEMENT_DISCONTINUOUS
    assert caught.value.breaks[0].statement == "C"
    assert str(caught.value.breaks[0]).startswith("statement C: ")


def test_line_booked_before_the_opening_date_is_no_break() -> None:
    """Banks date :60F: at the period's end, and book back-valued lines: not a break."""
    sound = statement([5])
    early = replace(sound.lines[0], booking_date=START - timedelta(days=1))
    assert check_statement(replace(sound, lines=(early,))) == ()


def test_line_after_the_closing_date_is_out_of_period_not_unbalanced() -> None:
    sound = statement([5])
    late = replace(sound.lines[0], booking_date=sound.closing_date + timedelta(days=1))
    with pytest.raises(StatementError) as caught:
        prove_statement(replace(sound, lines=(late,)))
    assert caught.value.code is ErrorCode.STATEMENT_OUT_OF_PERIOD
    assert [b.kind for b in caught.value.breaks] == ["after_closing"]


@given(st.permutations([500, -200, 7, 1_000_000, -3]))
def test_any_order_of_the_lines_proves_a_balanced_statement(order: list[int]) -> None:
    shuffled = statement(order, running=False)
    assert check_statement(shuffled) == ()


def test_running_balance_break_has_its_own_code() -> None:
    sound = statement([5, 6])
    wrong = replace(sound.lines[1], running_balance_minor=12)
    with pytest.raises(StatementError) as caught:
        prove_statement(replace(sound, lines=(sound.lines[0], wrong), closing_minor=11))
    assert caught.value.code is ErrorCode.STATEMENT_RUNNING_BALANCE


def test_unbalanced_wins_over_the_other_breaks_and_all_are_listed() -> None:
    sound = statement([5, 6])
    wrong = replace(sound.lines[1], running_balance_minor=12)
    with pytest.raises(StatementError) as caught:
        prove_statement(replace(sound, lines=(sound.lines[0], wrong), closing_minor=99))
    assert caught.value.code is ErrorCode.STATEMENT_UNBALANCED
    assert {b.kind for b in caught.value.breaks} == {"running_balance", "closing_balance"}
    assert "must equal the closing balance" in caught.value.message
