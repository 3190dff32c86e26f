"""OFX v1 (SGML) and v2 (XML) statements through ofxtools."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from moneyed import Money

from riskpool.errors import ErrorCode
from riskpool.reconciliation.errors import StatementError
from riskpool.reconciliation.integrity import ClosingPoint, prove_file
from riskpool.reconciliation.model import StatementFormat
from riskpool.reconciliation.parsers import parse_bytes
from riskpool.reconciliation.parsers.ofx import parse_ofx

SIGNON = (
    "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS>"
    "<DTSERVER>20250131120000[+8:CST]<LANGUAGE>ZHO</SONRS></SIGNONMSGSRSV1>"
)
V1 = (
    "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
    "CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
    "<OFX>" + SIGNON + "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>"
    "<STMTRS><CURDEF>CNY<BANKACCTFROM><BANKID>102491000<ACCTID>1702020109000012345"
    "<ACCTTYPE>CHECKING</BANKACCTFROM>"
    "<BANKTRANLIST><DTSTART>20250101000000[+8:CST]<DTEND>20250131235959[+8:CST]"
    "<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20250103003000[+8:CST]<TRNAMT>500000.00"
    "<FITID>F0001<NAME>Zhengzhou Finance Bureau<MEMO>reserve tranche</STMTTRN>"
    "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20250105100000[+8:CST]<TRNAMT>-1200.50"
    "<FITID>F0002<REFNUM>CLM-9<NAME>Tech Co</STMTTRN>"
    "</BANKTRANLIST><LEDGERBAL><BALAMT>1498799.50<DTASOF>20250131235959[+8:CST]</LEDGERBAL>"
    "</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
)
V2 = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
    '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n'
    "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
    "<DTSERVER>20250131120000</DTSERVER><LANGUAGE>ZHO</LANGUAGE></SONRS></SIGNONMSGSRSV1>"
    "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY>"
    "</STATUS><STMTRS><CURDEF>CNY</CURDEF><BANKACCTFROM><BANKID>1</BANKID><ACCTID>88</ACCTID>"
    "<ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM><BANKTRANLIST><DTSTART>20250201</DTSTART>"
    "<DTEND>20250228</DTEND><STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20250203</DTPOSTED>"
    "<TRNAMT>10.00</TRNAMT><FITID>X1</FITID><NAME>郑州市财政局</NAME></STMTTRN></BANKTRANLIST>"
    "<LEDGERBAL><BALAMT>110.00</BALAMT><DTASOF>20250228</DTASOF></LEDGERBAL></STMTRS>"
    "</STMTTRNRS></BANKMSGSRSV1></OFX>\n"
)


def test_sgml_v1_statement() -> None:
    parsed = parse_bytes(V1.encode("ascii"))
    assert parsed.format is StatementFormat.OFX
    (statement,) = parsed.statements
    assert statement.account == "1702020109000012345"
    assert statement.closing == Money("1498799.50", "CNY")
    assert statement.opening == Money("1000000.00", "CNY")
    assert statement.opening_derived
    credit, debit = statement.lines
    assert isinstance(credit.amount.amount, Decimal)
    assert credit.booking_date == date(2025, 1, 3)  # 00:30 Beijing time, not the UTC day
    assert credit.bank_reference == "F0001"
    assert credit.dedup_key == "1702020109000012345|ref|F0001"
    assert debit.end_to_end_id == "CLM-9"
    assert debit.amount_minor == -120050
    prove_file(
        parsed, {statement.account: ClosingPoint(Money("1000000", "CNY"), date(2024, 12, 31))}
    )


def test_xml_v2_statement() -> None:
    (statement,) = parse_ofx(V2.encode()).statements
    assert statement.lines[0].counterparty_name == "郑州市财政局"
    assert statement.opening == Money("100.00", "CNY")


def test_derived_opening_is_proved_by_continuity() -> None:
    parsed = parse_ofx(V1.encode())
    with pytest.raises(StatementError) as caught:
        prove_file(
            parsed,
            {"1702020109000012345": ClosingPoint(Money("999999", "CNY"), date(2024, 12, 31))},
        )
    assert caught.value.code is ErrorCode.STATEMENT_DISCONTINUOUS


def test_truncated_ofx_is_refused() -> None:
    with pytest.raises(StatementError) as caught:
        parse_ofx(V1[: V1.index("<LEDGERBAL>")].encode())
    assert caught.value.code is ErrorCode.STATEMENT_INVALID


def test_non_numeric_amount_is_refused() -> None:
    with pytest.raises(StatementError):
        parse_ofx(V1.replace("-1200.50", "-12OO.50").encode())
