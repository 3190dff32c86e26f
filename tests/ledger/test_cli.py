"""``riskpool db upgrade``, ``riskpool verify`` and ``riskpool ledger balances`` end to end."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from helpers import pool_book, transfer
from sqlalchemy import text
from typer.testing import CliRunner

from riskpool import migrate
from riskpool.cli import app
from riskpool.ledger.service import Ledger

runner = CliRunner()


@pytest.fixture
async def posted(database: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("RISKPOOL_DATABASE_URL", database.url)
    monkeypatch.setenv("COLUMNS", "200")
    ledger = Ledger(database.db)
    await pool_book(ledger)
    await ledger.post(transfer("a", "1002", "3001", "1234567.89"))
    second = await ledger.post(transfer("b", "5001", "1002", "0.89"))
    await database.db.dispose()
    return database, second


def test_db_upgrade_reports_the_head_revision(posted: Any) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert migrate.head_revision() in result.output


def test_ledger_balances_prints_each_account(posted: Any) -> None:
    result = runner.invoke(app, ["ledger", "balances", "--book", "POOL"])
    assert result.exit_code == 0, result.output
    assert "1,234,567.00" in result.output  # cash after the 0.89 payout
    assert "银行存款" in result.output


def test_ledger_balances_rejects_an_unknown_book(posted: Any) -> None:
    result = runner.invoke(app, ["ledger", "balances", "--book", "NOPE"])
    assert result.exit_code == 2
    assert "UNKNOWN_BOOK" in result.output


async def test_verify_passes_then_names_the_tampered_entry(posted: Any) -> None:
    database, second = posted
    result = await asyncio.to_thread(runner.invoke, app, ["verify"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    async with database.db.transaction() as conn:
        if database.dialect == "postgresql":
            await conn.execute(text("ALTER TABLE ledger_postings DISABLE TRIGGER USER"))
        else:
            await conn.execute(text("DROP TRIGGER ledger_postings_no_update"))
        await conn.execute(
            text(f"UPDATE ledger_postings SET amount = -amount WHERE entry_id = {second.id}")
        )
    await database.db.dispose()
    result = await asyncio.to_thread(runner.invoke, app, ["verify"])
    assert result.exit_code == 1
    assert f"first bad entry: #{second.id}" in result.output
