"""The dashboards on the demo: the seed's figures through the API, and every operation runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from riskpool.bootstrap import build
from riskpool.domain.model.parties import Role
from riskpool.graphql.app import create_app, token_settings
from riskpool.graphql.auth.tokens import mint
from riskpool.settings import Settings

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"


@pytest.fixture
async def demo_client(demo_database: Any) -> AsyncIterator[Any]:
    database = demo_database
    app = build(Settings(database_url=database.url, load_demo=False), db=database.db)
    token = mint(token_settings(app), subject="dash", role=Role.SCIENCE_BUREAU)
    transport = httpx.ASGITransport(app=create_app(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

        async def run(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
            response = await client.post(
                "/graphql",
                json={"query": query, "variables": variables or {}},
                headers={"Authorization": f"Bearer {token}"},
            )
            body: dict[str, Any] = response.json()
            assert "errors" not in body, body["errors"]
            data: dict[str, Any] = body["data"]
            return data

        yield run
    await app.close()


async def test_statistics_show_the_seed_figures(demo_client: Any) -> None:
    query = (OPERATIONS / "Statistics.graphql").read_text(encoding="utf-8")
    data = await demo_client(query, {"asOf": "2025-06-30"})
    totals = data["scheme"]["totals"]
    assert totals["creditGranted"]["amount"] == "490000000.00"
    assert totals["disbursed"]["amount"] == "280000000.00"
    rows = data["byInstitution"]["rows"]
    assert sum(int(r["creditGranted"]["amount"].replace(".", "")) for r in rows) == 49000000000
    quarters = data["byQuarter"]["rows"]
    assert sum(int(r["disbursed"]["amount"].replace(".", "")) for r in quarters) == 28000000000
    pool = await demo_client(
        '{ poolStatistics(asOf: "2025-02-10") { poolCash { amount } reserveCash { amount } } }'
    )
    assert pool["poolStatistics"] == {
        "poolCash": {"amount": "170000000.00"},
        "reserveCash": {"amount": "0.00"},
    }


async def test_every_dashboard_operation_runs_on_the_demo(demo_client: Any) -> None:
    variables = {
        "LoansPage": {"first": 100},
        "ClaimsByState": {"state": "APPROVED"},
        "FundBalances": {"book": "CITY_POOL", "asOf": "2025-06-30"},
        "Journal": {"book": "ZKD_RESERVE"},
        "Institutions": {},
        "Statistics": {"asOf": "2025-12-31"},
    }
    for path in sorted(OPERATIONS.glob("*.graphql")):
        data = await demo_client(path.read_text(encoding="utf-8"), variables[path.stem])
        assert data, path.stem
    institutions = await demo_client("{ institutions(first: 100) { totalCount } }")
    assert institutions["institutions"]["totalCount"] == 15
