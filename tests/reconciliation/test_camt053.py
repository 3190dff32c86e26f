"""camt.053 .02–.08: versions, batches, reversals, dates, and hostile XML."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from moneyed import Money
from recon_builders import ACCOUNT, CamtEntry, CamtTx, camt053

from riskpool.errors import ErrorCode
from riskpool.reconciliation.errors import StatementError
from riskpool.reconciliation.integrity import prove_file
from riskpool.reconciliation.model import StatementFormat
from riskpool.reconciliation.parsers import parse_bytes
from riskpool.reconciliation.parsers.camt053 import parse_camt053

D = Decimal
VERSIONS = ["02", "03", "04", "05", "06", "07", "08"]


def entries() -> list[CamtEntry]:
    return [
        CamtEntry(
            D("300000.00"),
            date(2025, 3, 3),
            value=date(2025, 3, 4),
            reference="BK0001",
            txs=[
                CamtTx(
                    D("300000.00"),
                    end_to_end="PAY-0001",
                    party="郑州中原银行",
                    party_account="41000001",
                    remittance="风险准备金划入",
                )
            ],
        ),
        CamtEntry(
            D("-120000.00"),
            date(2025, 3, 5),
            reference="BK0002",
            txs=[
                CamtTx(D("70000.00"), end_to_end="CLM-1", reference="BK0002-1", party="甲银行"),
                CamtTx(D("50000.00"), end_to_end="CLM-2", reference="BK0002-2", party="乙银行"),
            ],
        ),
        CamtEntry(D("-15.00"), date(2025, 3, 6), reference="BK0003", status="PDNG"),
        CamtEntry(
            D("70000.00"),
            date(2025, 3, 7),
            reference="BK0004",
            reversal=True,
            txs=[CamtTx(D("70000.00"), end_to_end="CLM-1", party="甲银行")],
        ),
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_version_reads_the_same_statement(version: str) -> None:
    parsed = parse_camt053(
        camt053(version, opening=D("1000.00"), opening_day=date(2025, 3, 1), entries=entries())
    )
    assert parsed.format is StatementFormat.CAMT053
    (statement,) = parsed.statements
    assert statement.account == ACCOUNT
    assert statement.opening == Money("1000.00", "CNY")
    assert statement.closing == Money("251000.00", "CNY")
    amounts = [line.amount_minor for line in statement.lines]
    assert amounts == [30000000, -7000000, -5000000, 7000000]  # batch split, pending left out
    first = statement.lines[0]
    assert (first.booking_date, first.value_date) == (date(2025, 3, 3), date(2025, 3, 4))
    assert first.end_to_end_id == "PAY-0001"
    assert first.counterparty_name == "郑州中原银行"
    assert first.counterparty_account == "41000001"
    assert "风险准备金划入" in first.purpose
    assert first.transaction_code == "PMNT/RCDT/ESCT"
    prove_file(parsed)


def test_batch_entry_lines_keep_their_own_references() -> None:
    parsed = parse_camt053(
        camt053("05", opening=D("1000.00"), opening_day=date(2025, 3, 1), entries=entries())
    )
    batch = parsed.statements[0].lines[1:3]
    assert [line.bank_reference for line in batch] == ["BK0002-1", "BK0002-2"]
    assert [line.end_to_end_id for line in batch] == ["CLM-1", "CLM-2"]
    assert [line.counterparty_name for line in batch] == ["甲银行", "乙银行"]


def test_reversal_indicator_flags_the_line_with_its_own_sign() -> None:
    parsed = parse_camt053(
        camt053("08", opening=D("1000.00"), opening_day=date(2025, 3, 1), entries=entries())
    )
    reversal = parsed.statements[0].lines[-1]
    assert reversal.is_reversal
    assert reversal.amount_minor == 7000000


def test_batch_that_does_not_add_up_is_refused() -> None:
    bad = [
        CamtEntry(
            D("-100.00"),
            date(2025, 3, 5),
            reference="B",
            txs=[CamtTx(D("60.00")), CamtTx(D("30.00"))],
        )
    ]
    with pytest.raises(StatementError) as caught:
        parse_camt053(camt053("04", opening=D("1000"), opening_day=date(2025, 3, 1), entries=bad))
    assert caught.value.code is ErrorCode.STATEMENT_INVALID
    assert "batch" in caught.value.message


def test_batch_without_transaction_amounts_stays_one_line() -> None:
    batch = [
        CamtEntry(
            D("-100.00"),
            date(2025, 3, 5),
            reference="B",
            txs=[CamtTx(None, end_to_end="A"), CamtTx(None, end_to_end="B")],
        )
    ]
    parsed = parse_camt053(
        camt053("06", opening=D("1000"), opening_day=date(2025, 3, 1), entries=batch)
    )
    assert [line.amount_minor for line in parsed.statements[0].lines] == [-10000]


def test_several_statements_chain() -> None:
    data = camt053(
        "07", opening=D("1000"), opening_day=date(2025, 3, 1), entries=entries(), statements=3
    )
    parsed = parse_bytes(data)
    assert len(parsed.statements) == 3
    prove_file(parsed)


def test_wrong_closing_balance_fails_the_proof() -> None:
    data = camt053(
        "03", opening=D("1000"), opening_day=date(2025, 3, 1), entries=entries(), closing=D("1")
    )
    with pytest.raises(StatementError) as caught:
        prove_file(parse_camt053(data))
    assert caught.value.code is ErrorCode.STATEMENT_UNBALANCED


BILLION_LAUGHS = (
    '<!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\n'
)
EXTERNAL = '<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'


@pytest.mark.parametrize("doctype", [BILLION_LAUGHS, EXTERNAL, "<!DOCTYPE Document>\n"])
def test_dtd_and_entities_are_refused_before_expansion(doctype: str) -> None:
    data = camt053("05", opening=D("1"), opening_day=date(2025, 3, 1), entries=[], doctype=doctype)
    data = data.replace(b"<Id>STMT-1-0</Id>", b"<Id>&d;&x;</Id>") if "ENTITY" in doctype else data
    with pytest.raises(StatementError) as caught:
        parse_bytes(data)
    assert caught.value.code is ErrorCode.UNSAFE_INPUT


def test_truncated_xml_is_refused_with_line() -> None:
    data = camt053("05", opening=D("1"), opening_day=date(2025, 3, 1), entries=entries())
    with pytest.raises(StatementError) as caught:
        parse_camt053(data[: len(data) // 2])
    assert caught.value.code is ErrorCode.STATEMENT_INVALID


def test_other_xml_is_unsupported() -> None:
    with pytest.raises(StatementError) as caught:
        parse_camt053(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>')
    assert caught.value.code is ErrorCode.UNSUPPORTED_FORMAT
    with pytest.raises(StatementError) as caught:
        parse_bytes(b"<html><body>BkToCstmrStmt</body></html>")
    assert caught.value.code is ErrorCode.UNSUPPORTED_FORMAT


def test_non_numeric_amount_is_refused() -> None:
    data = camt053("05", opening=D("1"), opening_day=date(2025, 3, 1), entries=entries())
    with pytest.raises(StatementError) as caught:
        parse_camt053(data.replace(b">300000.00<", b">3OO000.00<", 1))
    assert caught.value.code is ErrorCode.STATEMENT_INVALID
    assert caught.value.line is not None


def test_date_out_of_range_is_refused() -> None:
    data = camt053("05", opening=D("1"), opening_day=date(2025, 3, 1), entries=entries())
    with pytest.raises(StatementError) as caught:
        parse_camt053(data.replace(b"<BookgDt><Dt>2025-03-03", b"<BookgDt><Dt>2525-03-03"))
    assert caught.value.code is ErrorCode.STATEMENT_INVALID
    assert "out of range" in caught.value.message
