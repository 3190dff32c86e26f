"""`riskpool serve` for real: a subprocess on a free port, the demo loaded, and the
dashboards' operations run through a real GraphQL client (gql over HTTP)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, gql
from gql.transport.httpx import HTTPXAsyncTransport

from riskpool.domain.model.parties import Role
from riskpool.graphql.auth.tokens import TokenSettings, mint
from riskpool.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "graphql" / "operations"

VARIABLES: dict[str, dict[str, Any]] = {
    "LoansPage": {"first": 50},
    "ClaimsByState": {"state": "PAID"},
    "FundBalances": {"book": "CITY_POOL", "asOf": "2025-06-30"},
    "Journal": {"book": "CITY_POOL"},
    "Institutions": {},
    "Statistics": {"asOf": "2025-06-30"},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(database: Any, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "RISKPOOL_DATABASE_URL": database.url,
        "RISKPOOL_LOAD_DEMO": "true",
        "RISKPOOL_PORT": str(port),
    }
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "riskpool.cli", "serve"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
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
        log.close()


async def test_dashboard_operations_run_against_the_real_server(server: str) -> None:
    settings = Settings()
    token = mint(
        TokenSettings(settings.jwt_secret, settings.jwt_issuer, settings.jwt_audience),
        subject="dashboard",
        role=Role.VIEWER,
    )
    transport = HTTPXAsyncTransport(
        url=f"{server}/graphql", headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    documents = sorted(OPERATIONS.glob("*.graphql"))
    assert documents
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        for path in documents:
            request = gql(path.read_text(encoding="utf-8"))
            request.variable_values = VARIABLES[path.stem]
            result = await session.execute(request)
            assert result, path.stem
            if path.stem == "LoansPage":
                assert result["loans"]["totalCount"] > 0
            if path.stem == "ClaimsByState":
                assert result["claims"]["totalCount"] >= 1
