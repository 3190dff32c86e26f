"""``riskpool demo load`` and ``riskpool demo statements`` end to end, on both dialects."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from riskpool.cli import app
from riskpool.ledger.service import Ledger

runner = CliRunner()


def _sizes(folder: Path) -> dict[str, int]:
    return {path.name: path.stat().st_size for path in folder.iterdir()}


@pytest.fixture
async def empty(database: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("RISKPOOL_DATABASE_URL", database.url)
    monkeypatch.setenv("COLUMNS", "400")
    await database.db.dispose()
    return database


def _sum(rows: dict[str, dict[str, str]], parent: str) -> str:
    children = [r for code, r in rows.items() if code != parent and code.startswith(parent)]
    assert children
    return str(sum(Decimal(r["balance"]) for r in children))


def _table_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("│", "┃"))]


async def test_demo_load_reports_the_seed_figures_and_loads_once(
    empty: Any, tmp_path: Path
) -> None:
    first = await asyncio.to_thread(runner.invoke, app, ["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "DemoReport(" not in first.stdout and "Money(" not in first.stdout  # no repr
    rows = {
        cells[0]: cells[1]
        for line in _table_lines(first.stdout)
        if len(cells := [c.strip() for c in line.strip("│┃").split("│")]) == 3
    }
    assert rows["institutions"] == "15" and rows["loans"] == "106"
    assert rows["pool cash after the transfer"] == "170,000,000.00"
    assert rows["郑科贷2.0 credit granted (2025-06-30)"] == "490,000,000.00"
    assert rows["郑科贷2.0 disbursed (2025-06-30)"] == "280,000,000.00"
    ledger = Ledger(empty.db)
    entries = (await ledger.trial_balance("CITY_POOL")).totals
    second = await asyncio.to_thread(runner.invoke, app, ["demo", "load"])
    assert second.exit_code == 0, second.output
    assert second.stdout == first.stdout  # the same report: nothing was added
    assert (await ledger.trial_balance("CITY_POOL")).totals == entries
    as_json = await asyncio.to_thread(runner.invoke, app, ["demo", "load", "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    figures = {r["figure"]: r["value"] for r in json.loads(as_json.stdout)[0]["rows"]}
    assert figures["pool cash after the transfer"] == "170000000.00"
    assert figures["institutions"] == 15
    out = tmp_path / "statements"
    await asyncio.to_thread(out.mkdir)
    written = await asyncio.to_thread(runner.invoke, app, ["demo", "statements", "--out", str(out)])
    assert written.exit_code == 0, written.output
    sizes = await asyncio.to_thread(_sizes, out)
    assert sizes and all(size > 0 for size in sizes.values()), sizes
    assert {".sta", ".xml"} <= {Path(name).suffix for name in sizes}
    await empty.db.dispose()


async def test_every_listing_format_of_the_demo(empty: Any) -> None:
    """Tables line up (Chinese names are two cells wide) with amounts right-aligned and
    whole; JSON and CSV carry exact amounts and nothing else on stdout (logs: stderr)."""
    loaded = await asyncio.to_thread(runner.invoke, app, ["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    args = ["ledger", "balances", "--book", "CITY_POOL"]
    table = await asyncio.to_thread(runner.invoke, app, args)
    assert table.exit_code == 0, table.output
    lines = _table_lines(table.stdout)
    assert len({cell_len(line) for line in lines}) == 1, "columns do not line up"
    cash = next(line for line in lines if "资金池专户" in line)
    cells = [c.strip() for c in cash.strip("│").split("│")]
    zero = next(line for line in lines if "动态补足" in line).strip("│").split("│")[5]
    assert zero.endswith(" 0.00 ") and zero.startswith("   ")  # right-aligned, padded left
    assert len(zero) == len(cash.strip("│").split("│")[5])
    assert cells[5] == "165,807,435.28"  # the whole amount, right-aligned
    assert "-0.00" not in table.stdout
    as_json = await asyncio.to_thread(runner.invoke, app, [*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    (book,) = json.loads(as_json.stdout)
    by_code = {row["account"]: row for row in book["rows"]}
    assert by_code["100201"]["balance"] == "165807435.28"
    assert by_code["1002"]["balance"] == "165807435.28"  # the parent rolls up its sub-account
    assert by_code["3001"]["balance"] == _sum(by_code, "3001")
    assert by_code["3101"]["balance"] == _sum(by_code, "3101")
    as_csv = await asyncio.to_thread(runner.invoke, app, [*args, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    records = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert {r["account"]: r["balance"] for r in records}["100201"] == "165807435.28"
    assert all(r["listing"] == book["title"] for r in records)
    for listing in (["reconcile", "proposals"], ["reconcile", "report", "--as-of", "2025-09-30"]):
        result = await asyncio.to_thread(runner.invoke, app, [*listing, "--format", "json"])
        assert result.exit_code == 0, result.output
        assert all("title" in part for part in json.loads(result.stdout))
    await empty.db.dispose()
