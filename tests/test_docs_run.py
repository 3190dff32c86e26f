"""Docs that run: every shell command in README.md and docs/*.md is executed against the demo.

Why: the docs were followed word for word by new users and failed (a book that
does not exist, ids in the wrong state). This test extracts every fenced
``bash``/``sh``/``shell``/``console`` block (in a ``console`` block, the lines
after ``$``), runs each command with ``bash`` from a fresh folder against a
database that holds the demo, and requires exit code 0 — or, for a line whose
comment says ``# refused: CODE``, exit code 2 with that code on stderr.

Server commands (``riskpool serve``, ``scripts/serve.sh``, ``fava``) are started
on a free port, must answer (``/healthz``, Fava's first page) with 200, and are
stopped. A block that cannot
run by its nature (the whole test suite, a browser UI) carries an explicit
``<!-- not-run: reason -->`` on the line before it; a test keeps those few.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from riskpool.cli import app

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)\s*$")
NOT_RUN = re.compile(r"<!--\s*not-run:\s*(?P<reason>\S.*?)\s*-->")
REFUSED = re.compile(r"#\s*refused:\s*(?P<code>[A-Z_]+)")
SERVER = re.compile(r"(^|\s)(\S*riskpool serve|\S*scripts/serve\.sh|fava)(\s|$)")
MAX_NOT_RUN = 4


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int
    language: str
    body: list[str]
    not_run: str | None


@dataclass(frozen=True)
class Command:
    doc: Path
    line: int
    text: str

    @property
    def refused(self) -> str | None:
        found = REFUSED.search(self.text)
        return found["code"] if found else None

    @property
    def server(self) -> bool:
        return SERVER.search(self.text.split("#", 1)[0]) is not None


def blocks(doc: Path) -> list[Block]:
    """The fenced blocks of one Markdown file, with the not-run reason before each."""
    found, lines = [], doc.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        start, body = index, []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith("```"):
            body.append(lines[index])
            index += 1
        previous = next((lines[i] for i in range(start - 1, -1, -1) if lines[i].strip()), "")
        reason = NOT_RUN.search(previous)
        found.append(
            Block(doc, start + 1, opening["lang"], body, reason["reason"] if reason else None)
        )
        index += 1
    return found


def commands(block: Block) -> list[Command]:
    """The commands of a shell block: ``$`` lines of a console block, else every line."""
    result: list[Command] = []
    pending: list[str] = []
    for offset, raw in enumerate(block.body, start=1):
        text = raw.strip()
        if block.language == "console":
            if not text.startswith("$ ") and not pending:
                continue
            text = text.removeprefix("$ ")
        if not text or (text.startswith("#") and not pending):
            continue
        pending.append(text.removesuffix("\\").strip())
        if text.endswith("\\"):
            continue
        result.append(Command(block.doc, block.line + offset, " ".join(pending)))
        pending = []
    return result


def shell_blocks() -> list[Block]:
    return [b for doc in DOCS for b in blocks(doc) if b.language in SHELL_LANGUAGES]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(port: int, path: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return int(response.status) == 200
    except OSError:
        return False


def _serve(command: Command, cwd: Path, env: dict[str, str]) -> None:
    """Start a server as written, on a free port (riskpool's /healthz, Fava's first page)."""
    port = _free_port()
    fava = command.text.startswith("fava ")
    path = "/" if fava else "/healthz"
    ports = {"FAVA_PORT": str(port), "FAVA_HOST": "127.0.0.1"} if fava else {}
    process = subprocess.Popen(
        command.text,
        shell=True,
        executable="/bin/bash",
        cwd=cwd,
        env={**env, "RISKPOOL_PORT": str(port), **ports},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None:
            if _healthy(port, path):
                return
            time.sleep(0.5)
        stderr = process.stderr.read() if process.poll() is not None and process.stderr else ""
        raise AssertionError(f"{command.doc.name}:{command.line} never healthy: {stderr}")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def run(command: Command, folder: Path, env: dict[str, str]) -> None:
    """Run one doc command as the doc says; ``./scripts/…`` from the repository root."""
    cwd = ROOT if command.text.startswith("./scripts/") else folder
    where = f"{command.doc.relative_to(ROOT)}:{command.line}: {command.text}"
    if command.server:
        _serve(command, cwd, env)
        return
    done = subprocess.run(
        command.text,
        shell=True,
        executable="/bin/bash",
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if command.refused:
        assert done.returncode == 2, f"{where}\n{done.stdout}{done.stderr}"
        assert done.stderr.startswith(f"{command.refused}: "), f"{where}\n{done.stderr}"
    else:
        assert done.returncode == 0, f"{where}\n{done.stdout}{done.stderr}"
        assert "Traceback" not in done.stderr, where


def test_every_doc_has_its_shell_blocks_found() -> None:
    found = shell_blocks()
    assert {b.doc.name for b in found} >= {"README.md", "auditors.md", "reconciliation.md"}
    assert all(commands(b) for b in found if b.not_run is None)


def test_only_a_few_blocks_are_not_run_and_each_says_why() -> None:
    skipped = [b for doc in DOCS for b in blocks(doc) if b.not_run is not None]
    assert len(skipped) <= MAX_NOT_RUN, [(b.doc.name, b.line) for b in skipped]
    assert all(len(b.not_run or "") > 10 for b in skipped)


@pytest.mark.parametrize(
    "doc", [d for d in DOCS if any(b.doc == d for b in shell_blocks())], ids=lambda d: d.name
)
async def test_the_shell_commands_of_a_doc_run_against_the_demo(
    doc: Path, database: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await database.db.dispose()
    monkeypatch.setenv("RISKPOOL_DATABASE_URL", database.url)
    if doc.name != "README.md":  # the README loads the demo itself
        loaded = await asyncio.to_thread(CliRunner().invoke, app, ["demo", "load"])
        assert loaded.exit_code == 0, loaded.output
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / ".venv").symlink_to(ROOT / ".venv")
    env = {
        **os.environ,
        "RISKPOOL_DATABASE_URL": database.url,
        "RISKPOOL_HOME": str(tmp_path / "home"),
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("DATABASE_URL", None)
    for block in blocks(doc):
        if block.language in SHELL_LANGUAGES and block.not_run is None:
            for command in commands(block):
                await asyncio.to_thread(run, command, folder, env)
