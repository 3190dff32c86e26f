"""Users' own CSV/XLSX layouts in a TOML file (issue 17, point 4).

A layout from a file gets the same checks as a built-in one: its full header
signature is required and the running balances are proved; a wrong file is
refused naming the key, never half-read.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from recon_db import counts, register_bank, service
from typer.testing import CliRunner

from riskpool.cli import app
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.reconciliation.errors import StatementError
from riskpool.reconciliation.integrity import prove_file
from riskpool.reconciliation.parsers import parse_bytes
from riskpool.reconciliation.parsers.layout_file import load_layout
from riskpool.reconciliation.parsers.tabular import DebitCreditAmounts, FlaggedAmount

LAYOUT = """
name = "citybank"
bank = "某城市商业银行"
booking_date = "记账日期"
balance = ["账户余额", "余额"]
bank_reference = "交易序号"
counterparty_name = "对方户名"
purpose = ["摘要", "附言"]
[amount]
debit = "支出金额"
credit = "收入金额"
"""

CSV = """账号：,41050100000000000055
记账日期,交易序号,支出金额,收入金额,账户余额,对方户名,摘要,附言
2025-03-03,S1,,"1,000.00","1,100.00",郑州市财政局,拨款,第一批
2025-03-05,S2,200.00,,900.00,某科技公司,代偿,
"""


def test_a_layout_file_reads_a_bank_no_built_in_layout_knows() -> None:
    layout = load_layout(LAYOUT.encode())
    assert layout.name == "citybank" and isinstance(layout.amount, DebitCreditAmounts)
    with pytest.raises(StatementError) as unknown:
        parse_bytes(CSV.encode())
    assert unknown.value.code is ErrorCode.UNSUPPORTED_FORMAT
    parsed = parse_bytes(CSV.encode(), mapping=layout)
    (statement,) = parsed.statements
    assert statement.account == "41050100000000000055"
    first, second = statement.lines
    assert (first.amount_minor, second.amount_minor) == (100_000, -20_000)
    assert first.purpose == "拨款 第一批" and first.counterparty_name == "郑州市财政局"
    assert str(statement.opening.amount) == "100.00" and str(statement.closing.amount) == "900.00"
    prove_file(parsed)
    broken = CSV.replace("900.00,某科技公司", "901.00,某科技公司")
    with pytest.raises(StatementError) as refused:
        prove_file(parse_bytes(broken.encode(), mapping=layout))
    assert "running_balance" in {b.kind for b in refused.value.breaks}  # 余额 proved


def test_a_flag_layout_with_its_own_marks() -> None:
    layout = load_layout(
        b'name = "f"\nbank = "b"\nbooking_date = "d"\n'
        b'[amount]\namount = "amt"\nflag = "dc"\ndebit_marks = ["OUT"]\ncredit_marks = ["IN"]\n'
    )
    assert layout.amount == FlaggedAmount(("amt",), ("dc",), ("OUT",), ("IN",))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("name = 1", "name"),
        ('name = "x"\nbank = "b"\nbooking_date = "d"', "booking_date, amount"),
        (
            'name = "x"\nbank = "b"\nbooking_date = "d"\ncolour = "red"\n[amount]\nsigned = "a"',
            "colour",
        ),
        (
            'name = "x"\nbank = "b"\nbooking_date = "d"\n[amount]\nsigned = "a"\ndebit = "b"',
            "amount",
        ),
        ('name = "x"\nbank = "b"\nbooking_date = 3\n[amount]\nsigned = "a"', "booking_date"),
        ('name = "x"\nbank = "b"\nbooking_date = ""\n[amount]\nsigned = "a"', "booking_date"),
        ("name = [unclosed", "file"),
    ],
)
def test_a_wrong_layout_file_names_the_key(text: str, key: str) -> None:
    with pytest.raises(RiskpoolError) as refused:
        load_layout(text.encode())
    assert refused.value.code is ErrorCode.VALIDATION
    assert refused.value.message.startswith(f"layout file: {key}: ")


async def test_the_cli_imports_with_a_layout_file(
    database: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RISKPOOL_DATABASE_URL", database.url)
    recon = await service(database.db)
    await register_bank(recon, "41050100000000000055")
    layout, data = tmp_path / "citybank.toml", tmp_path / "march.csv"
    layout.write_text(LAYOUT, encoding="utf-8")
    data.write_text(CSV, encoding="utf-8")
    runner = CliRunner()
    args = ["reconcile", "import", str(data), "--layout", str(layout), "--as", "alice"]
    result = await asyncio.to_thread(runner.invoke, app, args)
    assert result.exit_code == 0, result.output
    assert "march.csv" in result.output
    before = await counts(database.db)
    layout.write_text("name = 1", encoding="utf-8")
    bad = await asyncio.to_thread(runner.invoke, app, args)
    assert bad.exit_code == 2 and "layout file: name" in bad.output
    missing = await asyncio.to_thread(
        runner.invoke, app, [*args[:3], "--layout", str(tmp_path / "none.toml")]
    )
    assert missing.exit_code == 2
    assert await counts(database.db) == before
