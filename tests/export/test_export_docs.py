"""docs/auditors.md is true: its sample is real output and every command in it runs.

Why both: an auditor follows the guide word for word. The sample blocks
(```` ```beancount ````) must be slices of what the export writes for the
small fixed ledger of :mod:`export_fixtures` (fixed clock, so the hashes are
the same on every run and dialect); the shell and Python blocks are run, as
written, in a fresh folder against a database holding the demo, and every
file they write must pass beancount's loader.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from export_fixtures import BOOK, fix_clock, history, pool_book

from riskpool.export import export_beancount, load_export
from riskpool.ledger.service import Ledger

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "auditors.md"
VENV_BIN = Path(sys.executable).parent
FENCE = re.compile(r"^( *)```(\w+)\n(.*?)^\1```$", re.MULTILINE | re.DOTALL)
TIMEOUT = 120


def blocks(language: str) -> list[str]:
    """The guide's fenced blocks of ``language``, dedented to their fence."""
    found = []
    for indent, lang, body in FENCE.findall(GUIDE.read_text(encoding="utf-8")):
        if lang == language:
            found.append("".join(line.removeprefix(indent) for line in body.splitlines(True)))
    return found


def commands() -> list[str]:
    """Every shell command line of the guide, comments dropped."""
    lines = []
    for body in blocks("sh"):
        for line in body.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                lines.append(command)
    return lines


def test_the_guide_has_what_the_tests_run() -> None:
    assert len(blocks("beancount")) >= 4
    assert any(c.startswith("riskpool export beancount --book CITY_POOL") for c in commands())
    assert "riskpool export beancount --out all.beancount" in commands()
    assert not [c for c in commands() if "--book POOL" in c or c.startswith("pip ")]


async def test_the_guides_sample_is_real_output(
    database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fix_clock(monkeypatch)
    ledger = Ledger(database.db)
    await pool_book(ledger)
    await history(ledger)
    text = await export_beancount(database.db, BOOK)
    assert load_export(text).errors == ()
    for sample in blocks("beancount"):
        assert sample in text, f"not in the export:\n{sample}\n--- the export:\n{text}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def run(command: str, cwd: Path, env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        command,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), TIMEOUT)
    text = output.decode("utf-8", "replace")
    assert process.returncode == 0, f"{command!r} failed ({process.returncode}):\n{text}"
    return text


async def serve_fava(command: str, cwd: Path, env: dict[str, str]) -> None:
    """Start Fava as written (on a free port, through ``FAVA_PORT``), load a page, stop it."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        f"exec {command}",
        cwd=cwd,
        env={**env, "FAVA_PORT": str(port), "FAVA_HOST": "127.0.0.1"},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            for _ in range(TIMEOUT * 4):
                try:
                    response = await client.get(f"http://127.0.0.1:{port}/", follow_redirects=True)
                    break
                except httpx.TransportError:
                    assert process.returncode is None, f"{command!r} exited early"
                    await asyncio.sleep(0.25)
            else:
                pytest.fail(f"{command!r} never served")
        assert response.status_code == 200
        assert "fava" in response.text.lower()
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), TIMEOUT)


async def test_every_command_of_the_guide_runs_against_the_demo(
    demo_database: Any, tmp_path: Path
) -> None:
    database = demo_database
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": database.url,
        "RISKPOOL_DATABASE_URL": database.url,
    }
    folder = tmp_path / "auditor"
    folder.mkdir()
    outputs = {}
    for command in commands():
        if command.startswith("fava "):
            await serve_fava(command, folder, env)
        else:
            outputs[command] = await run(command, folder, env)
    for command, output in outputs.items():
        if command.startswith("bean-check"):
            assert output.strip() == "OK", output
    assert outputs["riskpool verify"].startswith("OK")
    written = sorted(p.name for p in folder.iterdir())
    assert written == ["all.beancount", "pool-2025Q1.beancount", "pool.beancount"]
    for name in written:
        path = folder / name
        assert load_export(path.read_text(encoding="utf-8")).errors == ()
        assert path.stat().st_mode & 0o777 == 0o644
    combined = (folder / "all.beancount").read_text(encoding="utf-8")
    for top in (
        "ZKD-RESERVE-郑科贷风险补偿准备金",
        "CITY-POOL-市科技金融风险分担资金池",
        "MEMO-备查簿",
    ):
        assert f"open Assets:{top}:" in combined
    for snippet in blocks("python"):
        script = folder / "snippet.py"
        script.write_text(snippet, encoding="utf-8")
        output = await run(f"{VENV_BIN / 'python'} snippet.py", folder, env)
        assert output.strip() == "chains intact"
        script.unlink()
