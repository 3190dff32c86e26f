"""The command line never answers bad input with a traceback.

Every user error — a bad date, a bad option, unusable settings, a database
that is missing, not migrated or unreachable — is one typed line on stderr and
exit code 2; a read command never creates a database file. The subprocess
tests run the installed ``riskpool`` from an unrelated temporary folder, as a
clerk in a statements folder would.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from riskpool import migrate
from riskpool.cli import app

RISKPOOL = Path(sys.executable).parent / "riskpool"
runner = CliRunner()


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "RISKPOOL_DATABASE_URL", "RISKPOOL_ENVIRONMENT"}
    }
    env["RISKPOOL_HOME"] = str(home)
    env.update(extra)
    return env


def _riskpool(folder: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RISKPOOL), *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _one_refusal(result: subprocess.CompletedProcess[str], code: str) -> str:
    """Exit 2, nothing on stdout, exactly one ``CODE: …`` line on stderr; returns it."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{code}: "), lines[0]
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["ledger", "balances"],
        ["verify"],
        ["reconcile", "import", "march.sta"],
        ["reconcile", "report", "--as-of", "2025-09-30"],
        ["export", "beancount", "--out", "pool.beancount"],
    ],
)
def test_a_missing_database_says_run_db_upgrade_and_creates_no_file(
    tmp_path: Path, args: list[str]
) -> None:
    folder, home = tmp_path / "statements", tmp_path / "home"
    folder.mkdir()
    result = _riskpool(folder, _env(home), *args)
    line = _one_refusal(result, "NOT_FOUND")
    assert "run `riskpool db upgrade`" in line
    assert str(home / "riskpool.db") in line
    assert list(folder.iterdir()) == [] and not home.exists()


def test_the_database_is_the_same_from_any_folder(tmp_path: Path) -> None:
    first, second, home = tmp_path / "a", tmp_path / "b", tmp_path / "home"
    first.mkdir()
    second.mkdir()
    env = _env(home)
    upgraded = _riskpool(first, env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    listed = _riskpool(second, env, "verify")
    assert listed.returncode == 0, listed.stderr
    assert "the ledger verifies" in listed.stdout
    assert (home / "riskpool.db").is_file()
    assert list(first.iterdir()) == [] and list(second.iterdir()) == []


def test_a_relative_database_url_is_anchored_at_the_home(tmp_path: Path) -> None:
    folder, home = tmp_path / "work", tmp_path / "home"
    folder.mkdir()
    env = _env(home, RISKPOOL_DATABASE_URL="sqlite+aiosqlite:///fund.db")
    assert _riskpool(folder, env, "db", "upgrade").returncode == 0
    assert (home / "fund.db").is_file() and list(folder.iterdir()) == []


def test_an_empty_database_file_is_refused_as_unmigrated(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "riskpool.db").write_bytes(b"")
    line = _one_refusal(_riskpool(tmp_path, _env(home), "ledger", "balances"), "NOT_FOUND")
    assert "no riskpool schema" in line and "riskpool db upgrade" in line


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["ledger", "balances", "--as-of", "2025-13-01"], "--as-of: '2025-13-01'"),
        (["reconcile", "report", "--as-of", "30.09.2025"], "--as-of: '30.09.2025'"),
        (["export", "beancount", "--out", "x", "--from", "yesterday"], "--from: 'yesterday'"),
        (["reconcile", "confirm", "abc"], "match_id"),
        (["ledger", "balances", "--bogus"], "--bogus"),
        (["ledger", "balances", "--format", "xml"], "--format"),
        (["reconcile", "report"], "--as-of"),
        (["token", "--role", "janitor"], "janitor"),
    ],
)
def test_bad_input_is_one_validation_line(tmp_path: Path, args: list[str], needle: str) -> None:
    line = _one_refusal(_riskpool(tmp_path, _env(tmp_path / "home"), *args), "VALIDATION")
    assert needle in line
    assert not (tmp_path / "home").exists()


def test_unusable_settings_are_one_line(tmp_path: Path) -> None:
    env = _env(tmp_path / "home", RISKPOOL_ENVIRONMENT="prod")
    line = _one_refusal(_riskpool(tmp_path, env, "ledger", "balances"), "VALIDATION")
    assert "RISKPOOL_ENVIRONMENT" in line


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = _env(
        tmp_path / "home", RISKPOOL_DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:9/none"
    )
    line = _one_refusal(_riskpool(tmp_path, env, "verify"), "UNAVAILABLE")
    assert "cannot reach the database" in line


async def test_a_database_behind_the_code_is_told_to_upgrade(
    database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await migrate.downgrade(database.db.engine, "base")
    await database.db.dispose()
    monkeypatch.setenv("RISKPOOL_DATABASE_URL", database.url)
    result = await asyncio.to_thread(runner.invoke, app, ["ledger", "balances"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("NOT_FOUND: the database has no riskpool schema: run `riskpool")
    assert "Traceback" not in result.output


async def test_an_unknown_book_is_one_line(database: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    await database.db.dispose()
    monkeypatch.setenv("RISKPOOL_DATABASE_URL", database.url)
    result = await asyncio.to_thread(
        runner.invoke, app, ["ledger", "balances", "--book", "POOL", "--format", "json"]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("UNKNOWN_BOOK: ")
