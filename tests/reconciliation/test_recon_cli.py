"""``riskpool reconcile import|run|proposals|confirm|reject|report`` through CliRunner."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from recon_db import BANK, MARCH, counts, pool_ledger, statement
from typer.testing import CliRunner

from riskpool.cli import app

runner = CliRunner()
REGISTER = (
    "reconcile",
    "accounts",
    "register",
    "--bank",
    "郑州银行",
    "--number",
    BANK,
    "--book",
    "CITY_POOL",
    "--ledger-account",
    "100201",
    "--opened",
    "2025-01-01",
    "--as",
    "alice",
)


def cli(*args: str) -> Any:
    return asyncio.to_thread(runner.invoke, app, list(args))


@pytest.fixture
async def files(database: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.setenv("RISKPOOL_DATABASE_URL", database.url)
    monkeypatch.setenv("COLUMNS", "250")
    await pool_ledger(database.db)
    registered = await cli(*REGISTER)
    assert registered.exit_code == 0, registered.output
    good = tmp_path / "march.sta"
    good.write_bytes(statement(MARCH))
    bad = tmp_path / "broken.sta"
    bad.write_bytes(statement(MARCH, closing="1.00"))
    return database, good, bad


async def test_import_run_decide_and_report(files: Any) -> None:
    database, good, _bad = files
    result = await cli("reconcile", "import", str(good), "--as", "alice")
    assert result.exit_code == 0, result.output
    assert "march.sta" in result.output and "mt940" in result.output
    again = await cli("reconcile", "import", str(good), "--as", "alice")
    assert again.exit_code == 0 and "whole file" in again.output

    before = await counts(database.db)
    dry = await cli("reconcile", "run", "--dry-run", "--as", "alice")
    assert dry.exit_code == 0, dry.output
    assert "dry run (nothing stored)" in dry.output
    assert await counts(database.db) == before

    run = await cli("reconcile", "run", "--as", "alice")
    assert run.exit_code == 0, run.output
    assert "2 confirmed automatically, 1 proposals" in run.output

    proposals = await cli("reconcile", "proposals")
    assert proposals.exit_code == 0 and "amount_date v1" in proposals.output
    match_id = re.search(r"│ (\d+)\s+│ amount_date", proposals.output)
    assert match_id is not None, proposals.output
    own = await cli("reconcile", "confirm", match_id.group(1), "--as", "alice")
    assert own.exit_code == 2 and "FORBIDDEN" in own.output
    other = await cli("reconcile", "confirm", match_id.group(1), "--as", "bob")
    assert other.exit_code == 0 and "confirmed" in other.output

    report = await cli("reconcile", "report", "--as-of", "2025-03-31")
    assert report.exit_code == 0, report.output
    assert "银行存款余额调节表" in report.output and "balanced" in report.output
    assert "850.00" in report.output
    assert "3 matches reconciled" in report.output


async def test_a_refused_file_shows_where_it_breaks_and_stores_nothing(files: Any) -> None:
    database, _good, bad = files
    before = await counts(database.db)
    result = await cli("reconcile", "import", str(bad), "--as", "alice")
    assert result.exit_code == 2
    assert "STATEMENT_UNBALANCED" in result.output and "Where it breaks" in result.output
    assert await counts(database.db) == before


async def test_reject_needs_a_reason_and_report_needs_a_date(files: Any) -> None:
    _database, good, _bad = files
    await cli("reconcile", "import", str(good), "--as", "alice")
    await cli("reconcile", "run", "--as", "alice")
    result = await cli("reconcile", "reject", "3", "--reason", "wrong", "--as", "bob")
    assert result.exit_code == 0, result.output
    assert "rejected" in result.output
    bad_date = await cli("reconcile", "report", "--as-of", "yesterday")
    assert bad_date.exit_code == 2


async def test_accounts_are_registered_and_listed(files: Any) -> None:
    listed = await cli("reconcile", "accounts", "list")
    assert listed.exit_code == 0, listed.output
    assert BANK in listed.output and "CITY_POOL:100201" in listed.output
    assert "2025-01-01" in listed.output and "alice" in listed.output
    again = await cli(*REGISTER)
    assert again.exit_code == 2 and "DUPLICATE" in again.output
    bad = await cli(*REGISTER[:-3], "yesterday", "--as", "alice")
    assert bad.exit_code == 2 and "--opened must be YYYY-MM-DD" in bad.output


async def test_the_adjustment_sheet_is_written_as_pdf_and_excel(files: Any, tmp_path: Path) -> None:
    _database, good, _bad = files
    await cli("reconcile", "import", str(good), "--as", "alice")
    out = tmp_path / "sheets"
    for fmt in ("pdf", "xlsx"):
        result = await cli(
            "reconcile", "sheet", "--as-of", "2025-03-31", "--format", fmt,
            "--reviewer", "bob", "--out", str(out), "--as", "alice",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"调节表-{BANK}-2025-03-31.pdf", f"调节表-{BANK}-2025-03-31.xlsx"]
    assert (out / names[0]).read_bytes().startswith(b"%PDF-")
    own = await cli(
        "reconcile", "sheet", "--as-of", "2025-03-31", "--reviewer", "alice", "--as", "alice",
        "--out", str(out),
    )  # fmt: skip
    assert own.exit_code == 2 and "FORBIDDEN" in own.output
