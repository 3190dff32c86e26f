"""A real ``riskpool serve`` on the demo database and Debian's chromium to look at it.

The browser is the system's (``/usr/bin/chromium``, installed by the test command's
``ensure_browser``), never one Playwright downloads: the tests run where the
fund does, without internet, and record every request the page makes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(demo_database: Any, tmp_path: Path) -> Iterator[str]:
    """``riskpool serve`` in development mode with the demo loaded, on a free port.

    The database is a copy of the suite's demo template, so ``serve``'s own demo load is
    a replay (it changes nothing) and adds the demo's bank statements."""
    database = demo_database
    port = _free_port()
    env = {
        **os.environ,
        "RISKPOOL_DATABASE_URL": database.url,
        "RISKPOOL_LOAD_DEMO": "true",
        "RISKPOOL_ENVIRONMENT": "development",
        "RISKPOOL_PORT": str(port),
    }
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "riskpool.cli", "serve"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                assert process.poll() is None, log_path.read_text()
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "server did not become healthy"
                time.sleep(0.3)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def chromium() -> Path:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run ./scripts/test.sh (ensure_browser)"
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def artefacts(tmp_path: Path) -> Path:
    """Where screenshots go (``RISKPOOL_TEST_ARTEFACTS`` if set, else the test's tmp dir)."""
    chosen = os.environ.get("RISKPOOL_TEST_ARTEFACTS")
    folder = Path(chosen) if chosen else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
