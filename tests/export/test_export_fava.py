"""Fava (the PyPI package) opens an export: no errors, its options set, the tree rolled up.

Fava renders its pages in the browser from JSON, so the test reads what the
page is drawn from — Fava's own ``/api/balance_sheet`` — over HTTP from a real
server, and asks Fava's number formatter how it prints an amount.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from export_fixtures import BOOK, CASH, CASH_GROUP, POOL, fix_clock, history, memo_book, pool_book
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


def get(server: BaseWSGIServer, slug: str, page: str) -> tuple[int, str]:
    url = f"http://127.0.0.1:{server.server_port}/{urllib.parse.quote(slug)}/{page}"
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return response.status, response.read().decode("utf-8")


def tree(node: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Fava's account tree, flattened to ``{account: node}``."""
    found = {node["account"]: node}
    for child in node.get("children", ()):
        found.update(tree(child))
    return found


async def test_fava_opens_the_export_with_names_a_tree_and_thousands_separators(
    database: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    fix_clock(monkeypatch)
    ledger = Ledger(database.db)
    await pool_book(ledger)
    await history(ledger)
    await memo_book(ledger)
    for book in (BOOK, None):  # the pool's own file, and the combined file
        path = tmp_path / f"{book or 'all'}.beancount"
        await export_to_path(database.db, path, book)

        # The polling watcher: Fava's default one starts two threads per file that
        # outlive the test (and disturb the collector tests that run after it).
        app = create_app([path], load=True, read_only=True, poll_watcher=True)
        slug = app.config["LEDGERS"].first_slug()
        fava_ledger = app.config["LEDGERS"][slug]
        assert fava_ledger.errors == []
        assert fava_ledger.fava_options.language == "zh_CN"
        assert fava_ledger.format_decimal(Decimal("49212345.67"), "CNY") == "49,212,345.67"
        with serving(app) as server:
            status, html = get(server, slug, "balance_sheet/")
            api_status, body = get(server, slug, "api/balance_sheet")
        assert status == 200 and api_status == 200
        assert "fava-option" not in html  # options are applied, not shown as errors
        accounts = tree(json.loads(body, parse_float=Decimal)["data"]["trees"][0])
        # 1002 银行存款 rolls up its sub-account 100201 (the sub-account holds the cash).
        assert accounts[CASH_GROUP]["balance"] == {}
        assert accounts[CASH_GROUP]["balance_children"] == {"CNY": Decimal("49212345.67")}
        assert accounts[CASH]["balance"] == {"CNY": Decimal("49212345.67")}
        assert [c["account"] for c in accounts[CASH_GROUP]["children"]] == [CASH]
        assert f"Assets:{POOL}" in accounts
        assert ("Assets:MEMO-备查簿" in accounts) is (book is None)
    assert not [t for t in threading.enumerate() if "atchfiles" in type(t).__name__]
