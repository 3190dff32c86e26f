"""The GraphQL write path under concurrent clients against a bare endpoint, on durable PostgreSQL.

Run::

    .venv/bin/python bench/write_bench.py                  # 16 clients, 20 s per side
    .venv/bin/python bench/write_bench.py --seconds 10 --clients 16
    .venv/bin/python bench/write_bench.py --profile        # cProfile of the server's run

What runs: a throwaway PostgreSQL cluster **with fsync on** (every commit waits
for its WAL flush, as in production), migrated, the chart set up as ``riskpool
serve`` sets it up. One uvicorn process (the server: as ``riskpool serve``
builds it, ``create_app(build(settings), on_startup=prepare)``, production
settings) also mounts ``/bare``: a bare Starlette endpoint on an asyncpg pool
of the same size as the app's (5 + 10 overflow), which, per request, parses the
same JSON body and inserts the two posting rows a top-up writes into a bare copy
of ``ledger_postings`` (``LIKE``: no keys or triggers), one transaction, one
commit. The same client code (one ``httpx.AsyncClient``, ``--clients``
keep-alive connections, closed loop) posts to both, one side after the other:

``api_write_topup_rps``
    ``mutation { topUp(…) }`` as the Finance Bureau, a fresh idempotency key
    per request, every request one committed two-posting entry — requests/s;
baseline
    the bare endpoint's requests/s.

It prints JSON lines ``{"name", "value", "unit", "baseline", "ratio"}`` (and
notes to stderr: CPU share of the server and of the client). This is not a
test: nothing asserts a target.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import os
import pstats
import signal
import sys
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
from _pg import LocalPostgres
from api_bench import Load, _free_port, drive_httpx, emit, note, wait_ready
from sqlalchemy.engine import make_url

from riskpool import migrate
from riskpool.bootstrap import build
from riskpool.db import create_engine
from riskpool.domain.model.parties import Role
from riskpool.graphql.app import create_app, token_settings
from riskpool.graphql.auth.tokens import mint
from riskpool.settings import Settings

DATABASE = "riskpool_write_bench"
SECRET = "bench-only-secret-" + "x" * 32  # production refuses short ones
TOP_UP = (
    "mutation TopUp($key: String!, $amount: Amount!) {\n"
    '  topUp(book: CITY_POOL, on: "2025-07-01", amount: {amount: $amount}, '
    "reference: $key, idempotencyKey: $key) {\n"
    "    entries { id } userErrors { code message }\n  }\n}\n"
)
BARE_INSERT = (
    "INSERT INTO bench_postings (entry_id, account_id, currency, amount, account_seq,"
    " balance_after, prev_hash) VALUES ($1, $2, 'CNY', $3, $4, $5, $6), ($1, $7, 'CNY', $8, $9,"
    " $10, $11)"
)


def settings(url: str) -> Settings:
    return Settings(database_url=url, load_demo=False, environment="production", jwt_secret=SECRET)


def serve(url: str, dsn: str, port: int, profile: str | None) -> None:
    """The server subprocess: riskpool as ``riskpool serve`` builds it, plus ``/bare``."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.types import Receive, Scope, Send

    from riskpool.logs import configure
    from riskpool.startup import prepare

    configure()  # as `riskpool serve` does (stdout is /dev/null here)
    pool: asyncpg.Pool | None = None
    opening = asyncio.Lock()
    ids = itertools.count(1)

    async def bare(request: Request) -> JSONResponse:
        nonlocal pool
        if request.method == "GET":  # the readiness probe
            return JSONResponse({"ok": True})
        async with opening:
            if pool is None:
                pool = await asyncpg.create_pool(dsn, min_size=5, max_size=15)
        body = json.loads(await request.body())
        units = int(Decimal(body["variables"]["amount"]) * 100)
        entry = next(ids)
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                BARE_INSERT,
                entry,
                1,
                units,
                entry,
                units,
                "0" * 64,
                2,
                -units,
                entry,
                -units,
                "0" * 64,
            )
        return JSONResponse({"data": {"topUp": {"entries": [{"id": str(entry)}]}}})

    bare_app = Starlette(routes=[Route("/bare", bare, methods=["GET", "POST"])])
    riskpool_app = create_app(build(settings(url)), on_startup=prepare)

    async def combined(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/bare":
            await bare_app(scope, receive, send)
        else:
            await riskpool_app(scope, receive, send)

    profiler = cProfile.Profile() if profile else None

    def dump(*_: Any) -> None:
        if profiler is not None and profile is not None:
            profiler.disable()
            profiler.dump_stats(profile)
        os._exit(0)

    signal.signal(signal.SIGUSR1, lambda *_: profiler.enable() if profiler else None)
    signal.signal(signal.SIGUSR2, dump)
    uvicorn.run(combined, host="127.0.0.1", port=port, access_log=False, log_level="warning")


async def prepare_database(admin: str, url: str, dsn: str) -> None:
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        await conn.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await conn.close()
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    app = build(settings(url))
    try:
        await app.set_up()
    finally:
        await app.close()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CREATE TABLE bench_postings (LIKE ledger_postings INCLUDING DEFAULTS)")
        show = await conn.fetchval("SHOW fsync")
        commit = await conn.fetchval("SHOW synchronous_commit")
        note(fsync=show, synchronous_commit=commit)
    finally:
        await conn.close()


async def run(args: argparse.Namespace, admin: str, url: str, dsn: str) -> None:
    await prepare_database(admin, url, dsn)
    app = build(settings(url))
    token = mint(token_settings(app), subject="bench-writer", role=Role.FINANCE_BUREAU)
    await app.close()
    port = _free_port()
    command = [sys.executable, __file__, "--serve", url, "--dsn", dsn, "--port", str(port)]
    if args.profile:
        command += ["--profile-out", args.profile]
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    keys = itertools.count()
    headers = {"Authorization": f"Bearer {token}"}

    def requester(path: str) -> Any:
        async def request(client: httpx.AsyncClient) -> None:
            key = next(keys)
            variables = {"key": f"bench-{key}", "amount": f"{1 + key % 997}.{key % 100:02d}"}
            response = await client.post(
                path, json={"query": TOP_UP, "variables": variables}, headers=headers
            )
            response.raise_for_status()
            body = response.json()
            if body.get("errors") or body["data"]["topUp"].get("userErrors"):
                raise RuntimeError(f"refused: {body}")

        return request

    try:
        await wait_ready(base, process)
        pid = process.pid
        bare = await drive_httpx(
            base, Load("http_bare_write", args.clients, args.seconds, pid), requester("/bare")
        )
        if args.profile:
            os.kill(pid, signal.SIGUSR1)
        api = await drive_httpx(
            base, Load("http_graphql_topup", args.clients, args.seconds, pid), requester("/graphql")
        )
        emit("api_write_topup_rps", api, "requests/s", bare)
        await check_written(dsn)
    finally:
        if process.returncode is None:
            os.kill(process.pid, signal.SIGUSR2 if args.profile else signal.SIGTERM)
            await process.wait()
    if args.profile:
        pstats.Stats(args.profile, stream=sys.stderr).sort_stats("cumulative").print_stats(40)


async def check_written(dsn: str) -> None:
    """Every top-up was a committed two-posting entry (the bench measured real writes)."""
    conn = await asyncpg.connect(dsn)
    try:
        entries = await conn.fetchval(
            "SELECT count(*) FROM ledger_entries WHERE idempotency_key LIKE '%bench-%'"
        )
        postings = await conn.fetchval(
            "SELECT count(*) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id"
            " WHERE e.idempotency_key LIKE '%bench-%'"
        )
        bare = await conn.fetchval("SELECT count(*) FROM bench_postings")
        note(topup_entries=entries, topup_postings=postings, bare_postings=bare)
        assert postings == 2 * entries, (entries, postings)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0, help="per side")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the server's topUp run")
    parser.add_argument("--serve", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--dsn", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.dsn, args.port, args.profile_out)
        return
    local = LocalPostgres(durable=True)
    base = make_url(local.start())
    note(server=local.version(), pid=os.getpid(), durable=True)
    url = base.set(database=DATABASE).render_as_string(hide_password=False)
    dsn = base.set(database=DATABASE, drivername="postgresql").render_as_string(hide_password=False)
    admin = base.set(database="postgres", drivername="postgresql").render_as_string(
        hide_password=False
    )
    try:
        asyncio.run(run(args, admin, url, dsn))
    finally:
        local.stop()


if __name__ == "__main__":
    main()
