"""A real PostgreSQL restart: HTTP 503 ``UNAVAILABLE`` with ``Retry-After`` while it is down,
never a masked INTERNAL, and no 503 once it is back (the pool recovers by itself).

The test owns a throwaway cluster, started the way the session's is (it borrows
``_LocalPostgres`` from tests/conftest.py), so it can stop and start it without
disturbing the shared one.
"""

from __future__ import annotations

import asyncio
import importlib.util
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from riskpool import migrate
from riskpool.bootstrap import App, build
from riskpool.db import create_engine
from riskpool.domain.commands.parties import RegisterInstitution
from riskpool.domain.model.parties import Actor, InstitutionKind, Role
from riskpool.graphql.app import create_app, token_settings
from riskpool.graphql.auth.tokens import mint
from riskpool.settings import Settings

RETRY_AFTER = 3
BOOKS = {"query": "{ books { code } }"}
TOP_UP = {
    "query": 'mutation { topUp(book: CITY_POOL, on: "2025-07-01", amount: {amount: "1.00"}, '
    'reference: "r", idempotencyKey: "outage-1") { userErrors { code } } }'
}


def _local_postgres_class() -> Any:
    """``_LocalPostgres`` from tests/conftest.py (imported by path: several test folders
    have a ``conftest`` module, so the name ``conftest`` is not unique)."""
    path = Path(__file__).resolve().parent / "conftest.py"
    spec = importlib.util.spec_from_file_location("riskpool_tests_root_conftest", path)
    assert spec is not None and spec.loader is not None
    module = sys.modules.get(spec.name) or importlib.util.module_from_spec(spec)
    if spec.name not in sys.modules:
        sys.modules[spec.name] = module  # dataclasses look their module up while defining
        spec.loader.exec_module(module)
    return module._LocalPostgres


class Cluster:
    """A cluster this test may stop and start (same options as the session's)."""

    def __init__(self) -> None:
        self.local = _local_postgres_class()()
        self.base = self.local.start()

    def stop(self) -> None:
        subprocess.run(
            self.local._cmd("pg_ctl", "-D", str(self.local.data), "-m", "fast", "-w", "stop"),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = (
            f"-p {self.local.port} -k {self.local.tmp} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off"
        )
        subprocess.run(
            self.local._cmd(
                "pg_ctl",
                "-D",
                str(self.local.data),
                "-o",
                options,
                "-l",
                str(self.local.tmp / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ),
            check=True,
            capture_output=True,
        )

    def destroy(self) -> None:
        self.local.stop()


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    made = Cluster()
    try:
        yield made
    finally:
        made.destroy()


@pytest.fixture
async def served(cluster: Cluster) -> AsyncIterator[tuple[httpx.AsyncClient, App]]:
    admin = create_engine(f"{cluster.base}/postgres")
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("CREATE DATABASE outage"))
    await admin.dispose()
    url = f"{cluster.base}/outage"
    engine = create_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()
    app = build(Settings(database_url=url, load_demo=False, retry_after_seconds=RETRY_AFTER))
    await app.set_up()
    asgi = create_app(app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="http://test", timeout=60
    ) as client:
        yield client, app
    await app.close()


def _headers(app: App, role: Role = Role.OPERATOR, institution_id: int | None = None) -> Any:
    token = mint(token_settings(app), subject="t", role=role, institution_id=institution_id)
    return {"Authorization": f"Bearer {token}"}


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == str(RETRY_AFTER)
    codes = {e["extensions"]["code"] for e in response.json()["errors"]}
    assert codes == {"UNAVAILABLE"}, response.text


async def test_a_postgresql_restart_is_503_while_down_and_invisible_once_back(
    served: tuple[httpx.AsyncClient, App], cluster: Cluster
) -> None:
    client, app = served
    operator = _headers(app)
    bureau = _headers(app, Role.FINANCE_BUREAU)
    bank = await app.handle(
        RegisterInstitution(name="甲银行", kind=InstitutionKind.BANK), Actor(Role.OPERATOR, "op")
    )
    for _ in range(5):  # fill the pool with connections that the restart will kill
        assert (await client.post("/graphql", json=BOOKS, headers=operator)).status_code == 200

    # A burst while the server goes down: every answer is a success or a typed 503.
    async def burst() -> list[httpx.Response]:
        return list(
            await asyncio.gather(
                *(client.post("/graphql", json=BOOKS, headers=operator) for _ in range(20))
            )
        )

    stopping = asyncio.create_task(asyncio.to_thread(cluster.stop))
    answers = await burst()
    await stopping
    for response in answers:
        if response.status_code != 200:
            _assert_unavailable(response)

    # Down: queries, mutations, the token check and the health check say UNAVAILABLE.
    _assert_unavailable(await client.post("/graphql", json=BOOKS, headers=operator))
    _assert_unavailable(await client.post("/graphql", json=TOP_UP, headers=bureau))
    institution = _headers(app, Role.INSTITUTION, bank.id)
    _assert_unavailable(await client.post("/graphql", json=BOOKS, headers=institution))
    health = await client.get("/healthz")
    assert health.status_code == 503 and health.headers["retry-after"] == str(RETRY_AFTER)

    # Back: not one 503, from the very first request.
    await asyncio.to_thread(cluster.start)
    assert (await client.get("/healthz")).status_code == 200
    for _ in range(10):
        response = await client.post("/graphql", json=BOOKS, headers=operator)
        assert response.status_code == 200 and "errors" not in response.json(), response.text
    topped = await client.post("/graphql", json=TOP_UP, headers=bureau)
    assert topped.status_code == 200 and topped.json()["data"]["topUp"]["userErrors"] == []
    assert (await client.post("/graphql", json=BOOKS, headers=institution)).status_code == 200


async def test_after_an_idle_restart_the_first_request_succeeds(
    served: tuple[httpx.AsyncClient, App], cluster: Cluster
) -> None:
    client, app = served
    operator = _headers(app)
    for _ in range(3):
        assert (await client.post("/graphql", json=BOOKS, headers=operator)).status_code == 200
    await asyncio.to_thread(cluster.stop)
    await asyncio.to_thread(cluster.start)
    first = await client.post("/graphql", json=BOOKS, headers=operator)
    assert first.status_code == 200 and "errors" not in first.json(), first.text
    assert (await client.get("/healthz")).status_code == 200
