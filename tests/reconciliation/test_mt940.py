"""MT940: several statements per file, intermediate balances, reversals, refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from moneyed import Money
from recon_builders import mt940_statement

from riskpool.errors import ErrorCode
from riskpool.reconciliation.errors import StatementError
from riskpool.reconciliation.integrity import prove_file
from riskpool.reconciliation.model import StatementFormat
from riskpool.reconciliation.parsers import parse_bytes
from riskpool.reconciliation.parsers.mt940 import parse_mt940

D = Decimal


def two_pages() -> bytes:
    first = mt940_statement(
        reference="ICBC20250103",
        account="0200001234567890",
        number="7/1",
        opening=D("1000000.00"),
        opening_day=date(2025, 1, 2),
        lines=[
            (
                date(2025, 1, 3),
                D("250000.00"),
                "E2E-0001",
                "ICBC0001",
                "/NAME/郑州某科技有限公司/ACCT/6222000011112222/REMI/风险补偿金",
            ),
            (date(2025, 1, 3), D("-1500.50"), "NONREF", "ICBC0002", "手续费"),
        ],
        closing_tag="62M",
    )
    second = mt940_statement(
        reference="ICBC20250103",
        account="0200001234567890",
        number="7/2",
        opening=D("1248499.50"),
        opening_tag="60M",
        opening_day=date(2025, 1, 3),
        lines=[(date(2025, 1, 4), D("-100.00"), "RNONREF", "ICBC0003", "冲正")],
    )
    return (first + "\n" + second + "\n").encode("utf-8")


def test_several_statements_in_one_file_become_separate_statements() -> None:
    parsed = parse_mt940(two_pages())
    assert parsed.format is StatementFormat.MT940
    assert [s.sequence for s in parsed.statements] == ["7/1", "7/2"]
    first, second = parsed.statements
    assert first.opening == Money("1000000.00", "CNY")
    assert first.closing == Money("1248499.50", "CNY")
    assert second.opening == first.closing
    assert second.closing == Money("1248399.50", "CNY")
    prove_file(parsed)


def test_line_fields_come_from_61_and_structured_86() -> None:
    line = parse_mt940(two_pages()).statements[0].lines[0]
    assert line.amount == Money("250000.00", "CNY")
    assert isinstance(line.amount.amount, Decimal)
    assert line.booking_date == date(2025, 1, 3)
    assert line.bank_reference == "ICBC0001"
    assert line.end_to_end_id == "E2E-0001"
    assert line.counterparty_name == "郑州某科技有限公司"
    assert line.counterparty_account == "6222000011112222"
    assert line.raw.startswith(":61:250103")
    assert line.source_line == 6
    assert line.dedup_key == "0200001234567890|ref|ICBC0001"
    assert len(line.source_sha256) == 64


def test_nonref_customer_reference_is_no_end_to_end_id() -> None:
    fee = parse_mt940(two_pages()).statements[0].lines[1]
    assert fee.end_to_end_id is None
    assert fee.amount_minor == -150050


def test_reversal_of_credit_is_negative_and_flagged() -> None:
    reversal = parse_mt940(two_pages()).statements[1].lines[0]
    assert reversal.is_reversal
    assert reversal.amount_minor == -10000


def test_sniffed_as_mt940() -> None:
    assert parse_bytes(two_pages()).format is StatementFormat.MT940


def test_truncated_file_is_refused() -> None:
    data = two_pages()
    cut = data[: data.rindex(b":62F:")]
    with pytest.raises(StatementError) as caught:
        parse_mt940(cut)
    assert caught.value.code is ErrorCode.STATEMENT_TRUNCATED
    assert "closing balance" in caught.value.message


def test_non_numeric_amount_is_refused_with_line() -> None:
    data = two_pages().replace(b"C250000,00", b"C25O000,00")
    with pytest.raises(StatementError) as caught:
        parse_mt940(data)
    assert caught.value.code is ErrorCode.STATEMENT_INVALID
    assert caught.value.line == 6


def test_impossible_date_is_refused() -> None:
    data = two_pages().replace(b":61:2501030103C", b":61:2513320103C")
    with pytest.raises(StatementError) as caught:
        parse_mt940(data)
    assert caught.value.code is ErrorCode.STATEMENT_INVALID


def test_unbalanced_statement_fails_the_proof() -> None:
    data = mt940_statement(
        reference="X",
        account="0200001234567890",
        number="1/1",
        opening=D("10.00"),
        opening_day=date(2025, 1, 2),
        lines=[(date(2025, 1, 3), D("5.00"), "NONREF", "R1", "")],
        closing=D("16.00"),
    ).encode()
    with pytest.raises(StatementError) as caught:
        prove_file(parse_mt940(data))
    assert caught.value.code is ErrorCode.STATEMENT_UNBALANCED
    (only,) = caught.value.breaks
    assert (only.expected, only.found) == ("15.00 CNY", "16.00 CNY")


def test_no_statement_at_all_is_refused() -> None:
    with pytest.raises(StatementError):
        parse_mt940(b"hello world")
