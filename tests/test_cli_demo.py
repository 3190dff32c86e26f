"""``riskpool demo load`` and ``riskpool demo statements`` end to end, on both dialects."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
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


async def test_demo_load_reports_the_seed_figures_and_loads_once(
    empty: Any, tmp_path: Path
) -> None:
    first = await asyncio.to_thread(runner.invoke, app, ["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "institutions=15" in first.output and "loans=106" in first.output
    assert "170000000.00" in first.output  # the pool after the transfer
    ledger = Ledger(empty.db)
    entries = (await ledger.trial_balance("CITY_POOL")).totals
    second = await asyncio.to_thread(runner.invoke, app, ["demo", "load"])
    assert second.exit_code == 0, second.output
    report = first.output[first.output.index("DemoReport(") :]
    assert second.output.endswith(report)  # the same report: nothing was added
    assert (await ledger.trial_balance("CITY_POOL")).totals == entries
    out = tmp_path / "statements"
    await asyncio.to_thread(out.mkdir)
    written = await asyncio.to_thread(runner.invoke, app, ["demo", "statements", "--out", str(out)])
    assert written.exit_code == 0, written.output
    sizes = await asyncio.to_thread(_sizes, out)
    assert sizes and all(size > 0 for size in sizes.values()), sizes
    assert {".sta", ".xml"} <= {Path(name).suffix for name in sizes}
    await empty.db.dispose()
