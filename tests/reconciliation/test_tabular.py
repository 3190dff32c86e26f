"""CSV/XLSX exports of 招商银行, 工商银行, 中国银行, 交通银行, and a custom mapping."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from moneyed import Money
from openpyxl import Workbook

from riskpool.errors import ErrorCode
from riskpool.reconciliation.errors import StatementError
from riskpool.reconciliation.integrity import prove_file
from riskpool.reconciliation.model import StatementFormat
from riskpool.reconciliation.parsers import parse_bytes
from riskpool.reconciliation.parsers.tabular import (
    ColumnMapping,
    FlaggedAmount,
    SignedAmount,
)

FILES = Path(__file__).parent / "files"
"""Small exports written for these tests (UTF-8 here; encoded as the bank would)."""

CMB_CSV = """招商银行账务明细
账号：,755912345610001
账户名称：,郑州市科技贷款风险补偿资金
币种：,人民币
交易日,交易时间,起息日,交易类型,借方金额,贷方金额,余额,摘要,流水号,收(付)方名称,收(付)方帐号,用途
20250103,09:12:01,20250103,转账,,"500,000.00","1,500,000.00",资金划入,CMB250103001,郑州市财政局,41001234,风险补偿资金
20250103,15:40:12,20250103,转账,"120,000.00",,"1,380,000.00",代偿支付,CMB250103002,中原银行郑州分行,41005678,代偿款
20250106,10:00:00,20250106,收费,25.00,,"1,379,975.00",手续费,CMB250106001,-,-,
"""

ICBC_CSV = (FILES / "icbc.csv").read_text(encoding="utf-8")

BOCOM_CSV = (FILES / "bocom.csv").read_text(encoding="utf-8")


def test_cmb_gb18030_with_preamble_and_debit_credit_columns() -> None:
    parsed = parse_bytes(CMB_CSV.encode("gb18030"))
    assert parsed.format is StatementFormat.CSV
    (statement,) = parsed.statements
    assert statement.account == "755912345610001"
    assert statement.statement_id.startswith("cmb:")
    assert statement.opening == Money("1000000.00", "CNY")
    assert statement.opening_derived
    assert statement.closing == Money("1379975.00", "CNY")
    first, second, fee = statement.lines
    assert first.amount_minor == 50000000
    assert second.amount_minor == -12000000
    assert first.counterparty_name == "郑州市财政局"
    assert first.purpose == "资金划入 风险补偿资金"
    assert fee.counterparty_name is None  # "-" placeholder
    assert first.bank_reference == "CMB250103001"
    assert first.source_line == 6
    prove_file(parsed)


def test_icbc_thousands_separators_protected_cells_footer_and_reversal() -> None:
    parsed = parse_bytes(ICBC_CSV.encode("gb18030"), mapping="icbc")
    (statement,) = parsed.statements
    assert statement.account == "1702020109000012345"
    lines = statement.lines
    assert [line.amount_minor for line in lines] == [100000000, -5000000, -5000000]
    assert lines[0].counterparty_account == "6222020200112233"
    assert lines[0].booking_date == date(2025, 2, 3)
    assert lines[2].is_reversal
    assert lines[2].counterparty_account is None
    prove_file(parsed)


def test_bocom_utf8_bom_newest_first_is_turned_around() -> None:
    parsed = parse_bytes(b"\xef\xbb\xbf" + BOCOM_CSV.encode("utf-8"), account="6222600000001")
    (statement,) = parsed.statements
    assert [line.bank_reference for line in statement.lines] == ["JT001", "JT002", "JT003"]
    assert statement.opening == Money("49999.50", "CNY")
    assert statement.closing == Money("98000.00", "CNY")
    assert statement.lines[0].value_date is None
    prove_file(parsed)


def test_bocom_same_day_order_is_decided_by_the_balances() -> None:
    one_day = BOCOM_CSV.replace("2025-04-01", "2025-04-02")
    parsed = parse_bytes(one_day.encode(), account="6222600000001")
    assert [line.bank_reference for line in parsed.statements[0].lines] == [
        "JT001",
        "JT002",
        "JT003",
    ]
    prove_file(parsed)


def boc_workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["中国银行交易流水明细"])
    sheet.append(["查询账号:", "247612345678"])
    sheet.append([])
    sheet.append(
        [
            "交易日期",
            "交易时间",
            "起息日期",
            "交易类型",
            "交易货币",
            "交易金额",
            "交易后余额",
            "付款人账号",
            "付款人名称",
            "收款人账号",
            "收款人名称",
            "交易流水号",
            "客户业务编号",
            "用途",
            "摘要",
        ]
    )
    sheet.append(
        [
            datetime(2025, 5, 6),  # noqa: DTZ001 - spreadsheets hold naive local times
            "10:00:00",
            "2025/05/06",
            "转账",
            "人民币",
            200000.1,
            1200000.1,
            "41000099",
            "郑州市财政局",
            "247612345678",
            "风险补偿资金池",
            "BOC001",
            "PAY-77",
            "拨付",
            "转账收入",
        ]
    )
    sheet.append(
        [
            "2025/05/07",
            "11:00:00",
            None,
            "转账",
            "CNY",
            "-30,000.00",
            "1,170,000.10",
            "247612345678",
            "风险补偿资金池",
            "62170001",
            "某科技公司",
            "BOC002",
            None,
            "代偿",
            "转账支出",
        ]
    )
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def test_boc_xlsx_signed_amounts_and_payer_payee() -> None:
    parsed = parse_bytes(boc_workbook())
    assert parsed.format is StatementFormat.XLSX
    (statement,) = parsed.statements
    assert statement.account == "247612345678"
    incoming, outgoing = statement.lines
    assert incoming.amount_minor == 20000010
    assert incoming.counterparty_name == "郑州市财政局"
    assert incoming.end_to_end_id == "PAY-77"
    assert outgoing.amount_minor == -3000000
    assert outgoing.counterparty_name == "某科技公司"
    assert outgoing.counterparty_account == "62170001"
    assert statement.opening == Money("1000000.00", "CNY")
    prove_file(parsed)


def test_custom_mapping_for_another_bank() -> None:
    mapping = ColumnMapping(
        name="zzbank",
        bank="郑州银行",
        booking_date=("记账日期",),
        amount=FlaggedAmount(
            amount=("发生额",), flag=("收支",), debit_marks=("支",), credit_marks=("收",)
        ),
        bank_reference=("流水号",),
        purpose=(("附言",),),
    )
    data = (
        "记账日期,发生额,收支,流水号,附言\n"
        "2025/06/01,100.00,收,Z1,到账\n"
        "2025/06/02,40.00,支,Z2,付款\n"
    )
    parsed = parse_bytes(
        data.encode("gb18030"), mapping=mapping, account="ZZ01", opening_balance=Money("10", "CNY")
    )
    (statement,) = parsed.statements
    assert statement.closing == Money("70.00", "CNY")
    assert not statement.opening_derived
    assert [line.amount_minor for line in statement.lines] == [10000, -4000]


def test_file_without_balances_needs_the_opening_balance() -> None:
    mapping = ColumnMapping(
        name="plain", bank="x", booking_date=("日期",), amount=SignedAmount(("金额",))
    )
    with pytest.raises(StatementError) as caught:
        parse_bytes("日期,金额\n2025-01-01,5.00\n".encode(), mapping=mapping, account="A")
    assert "opening balance" in caught.value.message


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('"1,0O0.00"', "not an amount"),
        ("1.234", "more than 2 decimals"),
        ("NaN", "not an amount"),
        ("1e3", "not an amount"),
    ],
)
def test_bad_amounts_are_refused_with_the_line(bad: str, message: str) -> None:
    data = CMB_CSV.replace('"500,000.00"', bad, 1)
    with pytest.raises(StatementError) as caught:
        parse_bytes(data.encode("gb18030"))
    assert caught.value.code is ErrorCode.STATEMENT_INVALID
    assert caught.value.line == 6
    assert message in caught.value.message


@pytest.mark.parametrize("bad_date", ["20251301", "18991231", "2101-01-01", "昨天"])
def test_bad_dates_are_refused(bad_date: str) -> None:
    data = CMB_CSV.replace("20250103,09:12:01", f"{bad_date},09:12:01")
    with pytest.raises(StatementError) as caught:
        parse_bytes(data.encode("gb18030"))
    assert caught.value.code is ErrorCode.STATEMENT_INVALID


def test_both_debit_and_credit_on_one_row_is_refused() -> None:
    data = CMB_CSV.replace(',"120,000.00",,', ',"120,000.00","1.00",')
    with pytest.raises(StatementError):
        parse_bytes(data.encode("gb18030"))


def test_account_given_must_agree_with_the_file() -> None:
    with pytest.raises(StatementError) as caught:
        parse_bytes(CMB_CSV.encode("gb18030"), account="999")
    assert caught.value.field == "account"


def test_unknown_layout_is_unsupported() -> None:
    with pytest.raises(StatementError) as caught:
        parse_bytes(b"a,b,c\n1,2,3\n")
    assert caught.value.code is ErrorCode.UNSUPPORTED_FORMAT


def test_wrong_declared_encoding_is_refused() -> None:
    with pytest.raises(StatementError) as caught:
        parse_bytes(CMB_CSV.encode("gb18030"), encoding="utf-8")
    assert caught.value.code is ErrorCode.STATEMENT_INVALID


def test_running_balance_break_is_reported_at_its_line() -> None:
    data = CMB_CSV.replace('"1,380,000.00"', '"1,380,000.01"')
    with pytest.raises(StatementError) as caught:
        prove_file(parse_bytes(data.encode("gb18030")))
    assert caught.value.code is ErrorCode.STATEMENT_RUNNING_BALANCE
    first = caught.value.breaks[0]
    assert (first.kind, first.line) == ("running_balance", 7)
    assert (first.expected, first.found) == ("1380000.00 CNY", "1380000.01 CNY")


def test_rows_in_no_order_are_read_in_booking_order_and_proved() -> None:
    lines = BOCOM_CSV.splitlines()
    shuffled = "\n".join([lines[0], lines[2], lines[3], lines[1]]) + "\n"
    parsed = parse_bytes(shuffled.encode(), account="6222600000001")
    prove_file(parsed)
    assert [line.bank_reference for line in parsed.lines] == ["JT001", "JT002", "JT003"]


def test_rows_whose_balances_chain_in_no_order_fail_the_running_balance_proof() -> None:
    lines = BOCOM_CSV.replace('"100,000.00"', '"100,000.01"').splitlines()
    shuffled = "\n".join([lines[0], lines[2], lines[3], lines[1]]) + "\n"
    parsed = parse_bytes(shuffled.encode(), account="6222600000001")
    with pytest.raises(StatementError) as caught:
        prove_file(parsed)
    assert caught.value.code is ErrorCode.STATEMENT_RUNNING_BALANCE


def test_unknown_layout_name_is_unsupported() -> None:
    with pytest.raises(StatementError) as caught:
        parse_bytes(CMB_CSV.encode("gb18030"), mapping="nosuchbank")
    assert caught.value.code is ErrorCode.UNSUPPORTED_FORMAT
