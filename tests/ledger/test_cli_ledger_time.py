"""``riskpool period …``, ``riskpool checkpoint …`` and ``riskpool verify --against``
end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from helpers import pool_book, transfer
from sqlalchemy import text
from typer.testing import CliRunner

from riskpool.cli import app
from riskpool.ledger.service import Ledger

runner = CliRunner()


@pytest.fixture
async def posted(database: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.setenv("RISKPOOL_DATABASE_URL", database.url)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("RISKPOOL_CHECKPOINT_KEY", str(tmp_path / "key.pem"))
    monkeypatch.setenv("RISKPOOL_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    ledger = Ledger(database.db)
    await pool_book(ledger)
    await ledger.post(transfer("a", "1002", "3001", "1234567.89"))
    await database.db.dispose()
    return database, tmp_path


async def _invoke(*args: str) -> Any:
    return await asyncio.to_thread(runner.invoke, app, list(args))


async def test_a_close_takes_two_people_and_writes_a_checkpoint(posted: Any) -> None:
    _database, tmp_path = posted
    result = await _invoke("checkpoint", "keygen", "--out", str(tmp_path / "key.pem"))
    assert result.exit_code == 0, result.output
    assert (
        await _invoke("period", "prepare", "--book", "POOL", "2025-01", "--as", "li")
    ).exit_code == 0
    same = await _invoke("period", "approve", "--book", "POOL", "2025-01", "--as", "li")
    assert same.exit_code == 2 and "FORBIDDEN" in same.output
    assert not (tmp_path / "checkpoints").exists()
    result = await _invoke("period", "approve", "--book", "POOL", "2025-01", "--as", "wang")
    assert result.exit_code == 0, result.output
    (written,) = (tmp_path / "checkpoints").iterdir()
    listed = await _invoke("period", "list", "--book", "POOL")
    assert "2025-01  closed by wang (prepared by li)" in listed.output
    result = await _invoke("verify", "--against", str(written))
    assert result.exit_code == 0, result.output
    assert "extends" in result.output


async def test_verify_against_names_a_truncated_tail(posted: Any) -> None:
    database, tmp_path = posted
    assert (
        await _invoke("checkpoint", "keygen", "--out", str(tmp_path / "key.pem"))
    ).exit_code == 0
    out = tmp_path / "cp.json"
    result = await _invoke("checkpoint", "--out", str(out))
    assert result.exit_code == 0, result.output
    async with database.db.transaction() as conn:
        if database.dialect == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for table in ("ledger_postings", "ledger_entries"):
                await conn.execute(text(f"DROP TRIGGER {table}_no_delete"))
        await conn.execute(text("DELETE FROM ledger_postings"))
        await conn.execute(text("DELETE FROM ledger_entries"))
        await conn.execute(
            text(f"UPDATE ledger_balances SET balance = 0, version = 0, head_hash = '{'0' * 64}'")
        )
    await database.db.dispose()
    result = await _invoke("checkpoint", "verify", str(out))
    assert result.exit_code == 1, result.output
    assert "truncated" in result.output


async def test_without_a_key_nothing_is_closed(posted: Any) -> None:
    _database, _tmp_path = posted
    assert (
        await _invoke("period", "prepare", "--book", "POOL", "2025-01", "--as", "li")
    ).exit_code == 0
    result = await _invoke("period", "approve", "--book", "POOL", "2025-01", "--as", "wang")
    assert result.exit_code == 2 and "no private key" in result.output
    listed = await _invoke("period", "list", "--book", "POOL")
    assert "prepared (prepared by li)" in listed.output


async def test_a_correction_takes_two_people(posted: Any) -> None:
    _database, _tmp_path = posted
    asked = await _invoke("correction", "request", "1", "--reason", "wrong amount", "--as", "li")
    assert asked.exit_code == 0, asked.output
    same = await _invoke("correction", "approve", "1", "--as", "li")
    assert same.exit_code == 2 and "FORBIDDEN" in same.output
    done = await _invoke("correction", "approve", "1", "--as", "wang")
    assert done.exit_code == 0, done.output
    assert "entry #1 reversed by #2" in done.output
