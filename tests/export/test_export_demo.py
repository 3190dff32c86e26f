"""The demo's books export and check: zero loader errors, balances equal the ledger's;
and the auditor gets the same file through GraphQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from riskpool.bootstrap import build
from riskpool.domain.model.parties import Role
from riskpool.export import check_export, export_beancount, load_export
from riskpool.graphql.app import create_app, token_settings
from riskpool.graphql.auth.tokens import mint
from riskpool.settings import Settings


@pytest.fixture
async def demo_app(demo_database: Any) -> Any:
    app = build(Settings(database_url=demo_database.url, load_demo=False))
    yield app
    await app.close()


async def test_every_demo_book_exports_and_checks(demo_app: Any) -> None:
    for book in ("ZKD_RESERVE", "CITY_POOL", "MEMO", None):  # None: the combined file
        text = await export_beancount(demo_app.db, book)
        check = await check_export(demo_app.db, book, text)
        assert check.ok, (book, check)
        assert load_export(text).errors == ()


async def test_proved_statements_are_asserted_and_disagreeing_ones_listed(demo_app: Any) -> None:
    from riskpool.demo.statements import load_demo_statements
    from riskpool.export.assertions import statement_assertions

    await load_demo_statements(demo_app.reconciliation)
    bank = await statement_assertions(demo_app.db, demo_app.reconciliation, "CITY_POOL")
    assert bank.assertions, "no statement agrees with the ledger"
    assert bank.disagreeing, "the demo plants reconciling items"
    text = await export_beancount(demo_app.db, "CITY_POOL", assertions=bank.assertions)
    assert load_export(text).errors == ()
    assert text.count('source: "bank statement"') == len(bank.assertions)
    # The combined file places them in the pool's book.
    every = await statement_assertions(demo_app.db, demo_app.reconciliation, None)
    assert every == bank
    combined = await export_beancount(demo_app.db, None, assertions=every.assertions)
    assert load_export(combined).errors == ()
    assert combined.count('source: "bank statement"') == len(bank.assertions)
    assert (await statement_assertions(demo_app.db, demo_app.reconciliation, "MEMO")) == (
        type(bank)((), ())
    )


async def test_auditor_reads_the_export_through_graphql(demo_app: Any) -> None:
    transport = httpx.ASGITransport(app=create_app(demo_app))
    query = '{ beancountExport(book: "CITY_POOL", dateFrom: "2025-03-01") }'
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for role, allowed in (
            (Role.AUDITOR, True),
            (Role.INSTITUTION, False),
            (Role.VIEWER, False),
        ):
            token = mint(
                token_settings(demo_app),
                subject="a",
                role=role,
                institution_id=1 if role is Role.INSTITUTION else None,
            )
            body = (
                await client.post(
                    "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
                )
            ).json()
            if allowed:
                text = body["data"]["beancountExport"]
                assert (
                    load_export(text).errors == ()
                    and ":1002-银行存款:100201-银行存款-资金池专户" in text
                )
            else:
                assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
