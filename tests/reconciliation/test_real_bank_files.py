"""What real banks send, reproduced in files/corpus/: accepted when it proves, refused
with a code of its own when it does not — never merged, never a traceback.

Each file reproduces one case of issue 17 (the files are small and written for
these tests; none is copied from a bank).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from recon_db import register_bank, service

from riskpool.errors import ErrorCode
from riskpool.reconciliation.errors import StatementError
from riskpool.reconciliation.integrity import prove_file
from riskpool.reconciliation.model import StatementFile
from riskpool.reconciliation.parsers import parse_bytes, read_statement_file
from riskpool.reconciliation.parsers.tabular import ColumnMapping, DebitCreditAmounts
from riskpool.reconciliation.report import bank_balance_on
from riskpool.reconciliation.store import ReconciliationStore

CORPUS = Path(__file__).parent / "files" / "corpus"
D = date


def proved(name: str) -> StatementFile:
    parsed = read_statement_file(CORPUS / name)
    prove_file(parsed)
    return parsed


def refusal(name: str, **options: Any) -> StatementError:
    """The refusal of a corpus file: by the parser (which names the file) or the proof."""
    try:
        parsed = read_statement_file(CORPUS / name, **options)
    except StatementError as error:
        assert error.message.startswith(f"{name}: "), "a refusal names the file"
        assert " object at 0x" not in error.message, "never a Python repr"
        return error
    with pytest.raises(StatementError) as caught:
        prove_file(parsed)
    return caught.value


# -- accepted: the sums agree, whatever the order ----------------------------------------


def test_newest_first_lines_are_proved_and_returned_oldest_first() -> None:
    (statement,) = proved("ing_newest_first.sta").statements
    assert [line.bank_reference for line in statement.lines] == ["ING0001", "ING0002", "ING0003"]
    assert statement.currency == "EUR"


def test_back_valued_lines_keep_their_value_date_and_are_booked_within_the_period() -> None:
    (statement,) = proved("back_valued.sta").statements
    dates = [(line.booking_date, line.value_date) for line in statement.lines]
    assert dates == [
        (D(2025, 1, 5), D(2025, 1, 3)),  # value date before :60F: → booked on the opening date
        (D(2025, 1, 7), D(2025, 1, 7)),
        (D(2025, 1, 10), D(2025, 1, 12)),  # value date after :62F: → booked on the closing date
    ]


def test_opening_balance_dated_at_the_period_end_is_accepted() -> None:
    (statement,) = proved("period_end_opening.sta").statements
    assert statement.opening_date == D(2025, 1, 31)
    assert [line.booking_date for line in statement.lines] == [D(2025, 1, 2), D(2025, 1, 20)]


def test_unordered_camt053_entries_are_proved_and_sorted() -> None:
    (statement,) = proved("unordered.camt053.xml").statements
    assert [line.bank_reference for line in statement.lines] == ["BE001", "BE002", "BE003"]


def test_ctrl_z_separated_statements_of_two_accounts_stay_two_statements() -> None:
    first, second = proved("ctrl_z_two_accounts.sta").statements
    assert (first.statement_id, first.account) == ("CTZ-A:12/1", "41050100000000000001")
    assert (second.statement_id, second.account) == ("CTZ-B:3/1", "41050100000000000002")
    assert [line.bank_reference for line in first.lines] == ["A001"]
    assert [line.bank_reference for line in second.lines] == ["B001"]


def test_every_separator_ends_a_statement_and_the_chain_proves() -> None:
    parsed = proved("multi_statement_balanced.sta")
    assert [s.statement_id for s in parsed.statements] == [
        "MS1:7/1",
        "MS2:8/1",
        "MS3:9/1",
        "MS4:10/1",
    ]
    assert [len(s.lines) for s in parsed.statements] == [1, 1, 1, 1]
    # The statement-level :86: after :62F: is nobody's line detail.
    assert "statement-level" not in parsed.statements[0].lines[0].purpose


def test_a_missing_separator_would_have_merged_what_is_now_refused_as_a_fragment() -> None:
    data = (CORPUS / "ctrl_z_two_accounts.sta").read_bytes()
    cut = data.replace(b"\x1a:20:CTZ-B\n", b"\x1a")  # the second statement loses its :20:
    with pytest.raises(StatementError) as caught:
        parse_bytes(cut)
    assert caught.value.code is ErrorCode.STATEMENT_TRUNCATED
    assert "separator of line 8" in caught.value.message


# -- refused, each with its own code -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code", "says"),
    [
        ("investment.ofx", ErrorCode.STATEMENT_NOT_BANK, "INVSTMTRS"),
        ("empty.sta", ErrorCode.STATEMENT_EMPTY, "empty"),
        ("fragment.sta", ErrorCode.STATEMENT_TRUNCATED, "fragment"),
        ("statements.zip", ErrorCode.UNSUPPORTED_FORMAT, "zip archive"),
        ("entity_bomb.camt053.xml", ErrorCode.UNSAFE_INPUT, "entity"),
        ("ambiguous_header.csv", ErrorCode.LAYOUT_AMBIGUOUS, "boc, bocom"),
        ("other_bank_shares_two_headers.csv", ErrorCode.UNSUPPORTED_FORMAT, "misses"),
        ("debit_credit_swapped.csv", ErrorCode.STATEMENT_RUNNING_BALANCE, "sign inverted"),
    ],
)
def test_bad_inputs_are_refused_with_their_own_code(name: str, code: ErrorCode, says: str) -> None:
    error = refusal(name)
    assert error.code is code
    assert says in error.message


def test_a_running_balance_column_the_layout_does_not_name_is_still_proved() -> None:
    abc = ColumnMapping(
        name="abc",
        bank="中国农业银行",
        booking_date=("交易日期",),
        amount=DebitCreditAmounts(debit=("支出金额",), credit=("收入金额",)),
        counterparty_name=("对方户名",),
        purpose=(("摘要",),),
    )
    error = refusal("running_balance_contradicts.csv", mapping=abc)
    assert error.code is ErrorCode.STATEMENT_RUNNING_BALANCE
    assert error.breaks[0].line == 4
    assert error.message.startswith("statement abc:6228480000000000001:")
    assert (error.breaks[0].expected, error.breaks[0].found) == ("10800.00 CNY", "10900.00 CNY")


def test_unbalanced_only_when_the_sums_differ() -> None:
    data = (CORPUS / "ing_newest_first.sta").read_bytes().replace(b"EUR1124,50", b"EUR1124,51")
    with pytest.raises(StatementError) as caught:
        prove_file(parse_bytes(data))
    assert caught.value.code is ErrorCode.STATEMENT_UNBALANCED
    assert "must equal the closing balance" in caught.value.message


def test_a_tag_the_library_cannot_read_is_named_with_its_line_not_a_repr() -> None:
    data = (
        (CORPUS / "period_end_opening.sta")
        .read_bytes()
        .replace(b":60F:C250131CNY2000,00", b":60F:X250131CNY2000,00")
    )
    with pytest.raises(StatementError) as caught:
        parse_bytes(data)
    assert caught.value.code is ErrorCode.STATEMENT_INVALID
    assert caught.value.line == 4
    assert "opening balance (:60F:/:60M:)" in caught.value.message
    assert "object at 0x" not in caught.value.message


# -- stored: both accounts of a ^Z file, each under its own account ---------------------


async def test_a_ctrl_z_file_stores_each_account_s_statement(database: Any) -> None:
    recon = await service(database.db)
    await register_bank(recon, "41050100000000000002")
    result = await recon.import_file(
        "alice", CORPUS / "ctrl_z_two_accounts.sta", filename="download(3).txt"
    )
    assert (result.statements, result.statements_stored, result.lines_added) == (2, 2, 2)
    async with database.db.transaction(write=False) as conn:
        store = ReconciliationStore(conn)
        first = await store.statements("41050100000000000001")
        second = await store.statements("41050100000000000002")
    assert str(bank_balance_on(first, D(2025, 3, 31)).amount) == "150.00"
    assert str(bank_balance_on(second, D(2025, 3, 31)).amount) == "880.00"


async def test_a_refused_file_names_itself_and_stores_nothing(database: Any) -> None:
    recon = await service(database.db)
    with pytest.raises(StatementError) as caught:
        await recon.import_file("alice", CORPUS / "investment.ofx")
    assert caught.value.code is ErrorCode.STATEMENT_NOT_BANK
    assert caught.value.message.startswith("investment.ofx: ")
    unbalanced = (CORPUS / "ing_newest_first.sta").read_bytes().replace(b"1124,50", b"1124,51")
    with pytest.raises(StatementError) as caught:
        await recon.import_file("alice", unbalanced, filename="ing.sta")
    assert caught.value.code is ErrorCode.STATEMENT_UNBALANCED
    assert caught.value.message.startswith(
        "ing.sta: statement ING20250131:31/1: opening balance + Σ lines must equal"
    )
    async with database.db.transaction(write=False) as conn:
        assert await ReconciliationStore(conn).statements("401K-0001") == []
