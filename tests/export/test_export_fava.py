"""Fava (the PyPI package) opens an export and shows the pool's cash on its balance sheet."""

from __future__ import annotations

import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from export_fixtures import BOOK, CASH, fix_clock, history, pool_book
from fava.application import create_app
from werkzeug.serving import BaseWSGIServer, make_server

from riskpool.export import export_to_path
from riskpool.ledger.service import Ledger

TIMEOUT = 30


@contextmanager
def serving(app: Any) -> Iterator[BaseWSGIServer]:
    """Fava's WSGI app on a free loopback port in a thread, always shut down."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)
        assert not thread.is_alive()


async def test_fava_shows_the_pool_cash_on_the_balance_sheet(
    database: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    fix_clock(monkeypatch)
    ledger = Ledger(database.db)
    await pool_book(ledger)
    await history(ledger)
    path = tmp_path / "pool.beancount"
    await export_to_path(database.db, path, BOOK)

    app = create_app([path], load=True, read_only=True)
    slug = app.config["LEDGERS"].first_slug()
    with serving(app) as server:
        url = f"http://127.0.0.1:{server.server_port}/{urllib.parse.quote(slug)}/balance_sheet/"
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: ASYNC210 - the server runs in its own thread
            status = response.status
            html = response.read().decode("utf-8")
    assert status == 200
    assert CASH in html
