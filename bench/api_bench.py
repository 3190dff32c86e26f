"""Dashboard statistics over GraphQL on PostgreSQL, against raw SQL and a bare endpoint.

Run::

    .venv/bin/python bench/api_bench.py                    # full size (1,000,000 loans)
    .venv/bin/python bench/api_bench.py --loans 50000 --rounds 5 --seconds 5   # quick
    .venv/bin/python bench/api_bench.py --url postgresql+asyncpg://u@host:5432/x

Without ``--url`` the script starts a throwaway PostgreSQL cluster
(``bench/_pg.py``: ``initdb`` in a temporary directory, fsync off) and stops it
at the end. With ``--url`` it creates a scratch database next to the one named
and drops it afterwards (``--keep-db`` keeps it, and a later run with
``--keep-db`` reuses it when it holds the same number of loans).

**Data.** The schema comes from the migrations (``riskpool.migrate.upgrade``).
The rows are *benchmark data generation*, not the domain's write path: they
are written straight into the domain tables with set-based ``INSERT … SELECT
FROM generate_series`` statements (seeded ``random()``), because registering a
million loans through the services would take hours and is not what is being
measured. Defaults: 15 institutions (10 banks, 5 guarantors), 50,000 firms in
8 sectors, ``--loans`` pool-entered loans granted 2019-01 … 2025-11 (so both
policies, ``ZKD-1.0`` before 2025-02-06 and ``ZKD-2025`` after; one in three
guaranteed), 1–3 movements a loan (a disbursement and 0–2 repayments, ≈ 2 a
loan), 5 % of loans overdue, 1 % sued, and a claim for half of the overdue
loans with a trail of 1–6 events (submitted, in review, approved, paid or
rejected). ``ANALYZE`` afterwards.

**Output.** One JSON object a line on stdout (details on stderr)::

    {"name": ..., "value": ..., "unit": ..., "baseline": ..., "ratio": ...}

with ``ratio = value / baseline``, both measured in the same run on the same
database:

``api_stats_latency_p50``
    p50 wall time of the dashboard query ``loanStatistics(asOf, groupBy:
    INSTITUTION) { asOf totals {…} rows {…} }`` (every figure, totals and one
    row per bank; all loans, ``--policy`` narrows it) posted to the real ASGI
    app (``riskpool.graphql.app.create_app``: request-id middleware, read
    session, JWT check, strawberry with the production extensions) in
    process through ``httpx.ASGITransport``, in ms; baseline: the very SQL
    statements that call sent (captured with SQLAlchemy's
    ``before_cursor_execute`` event during a warm-up call, with their bound
    parameters) replayed with raw asyncpg on one connection, in one
    transaction, rows fetched and not converted. Rounds alternate the two.
    Target: ratio ≤ 1.5.
``api_stats_latency_p95``
    the same samples' p95 (nearest rank; with few rounds it is the maximum).
``api_statistics_operation_p50``
    the whole dashboard operation ``graphql/operations/Statistics.graphql``
    (three ``loanStatistics`` fields, ``poolStatistics``), same method.
``api_stats_rps``
    requests/s of the dashboard query over HTTP on a real uvicorn server (a
    subprocess, one worker, 127.0.0.1) for ``--seconds``, driven by
    ``--clients`` concurrent keep-alive connections of one ``httpx.AsyncClient``;
    baseline: a bare Starlette ``JSONResponse({"ok": True})`` route served by
    the *same* uvicorn process (the riskpool app wrapped, not modified), same
    client. Requests still running at the deadline are awaited and counted;
    rate = completed / time to the last completion. Target: ratio ≥ 1/7.
    httpx itself costs about 1 ms of CPU a request, so on a small machine the
    bare figure is bounded by the client (see ``client_cpu_share`` on stderr);
    the bare route is therefore also driven by a minimal asyncio-socket HTTP/1.1
    client and reported on stderr (``http_bare_socket_client``) as the server's
    own ceiling.

Every run also reports on stderr the GraphQL calls' time inside SQLAlchemy's
cursor execute vs outside it (the Python side: request handling, statement
construction, strawberry, serialisation), and ``--explain`` adds ``EXPLAIN
(ANALYZE, BUFFERS)`` of each captured statement.

This is not a test: nothing asserts a target.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import socket
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import structlog
from _pg import LocalPostgres
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url

from riskpool import migrate
from riskpool.bootstrap import App, build
from riskpool.db import create_engine
from riskpool.domain.model.parties import Role
from riskpool.domain.persistence.statistics_cache import StatisticsCache
from riskpool.graphql.app import create_app, token_settings
from riskpool.graphql.auth.tokens import mint
from riskpool.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
STATISTICS_OPERATION = ROOT / "graphql" / "operations" / "Statistics.graphql"
DATABASE = "riskpool_api_bench"

FIGURES = (
    "creditGranted { amount } disbursed { amount } repaid { amount } "
    "outstanding { amount } loanCount firmCount overduePrincipal { amount } overdueRate "
    "compensationPaid { amount } compensationPending { amount } "
    "claimsInReview { amount } lossRate"
)
DASHBOARD_QUERY = (
    "query Dashboard($asOf: Date!, $policy: String) {\n"
    "  loanStatistics(asOf: $asOf, policyCode: $policy, groupBy: INSTITUTION) {\n"
    f"    asOf\n    totals {{ {FIGURES} }}\n    rows {{ group label {FIGURES} }}\n"
    "  }\n}\n"
)


def _sig(value: float, digits: int = 4) -> float:
    if not math.isfinite(value) or value == 0:
        return value
    return float(f"{value:.{digits}g}")


def emit(name: str, value: float, unit: str, baseline: float) -> None:
    ratio = value / baseline if baseline else float("nan")
    line = {
        "name": name,
        "value": _sig(value),
        "unit": unit,
        "baseline": _sig(baseline),
        "ratio": round(ratio, 3) if ratio >= 0.01 else _sig(ratio, 3),
    }
    print(json.dumps(line), flush=True)


def note(**fields: Any) -> None:
    print(json.dumps(fields, ensure_ascii=False, default=str), file=sys.stderr, flush=True)


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100)."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- server and database ---------------------------------------------------------------------


@dataclass
class Server:
    base: URL  # postgresql+asyncpg://user@host:port/… (its database is replaced)
    admin_db: str

    def url(self, database: str) -> str:
        return self.base.set(database=database).render_as_string(hide_password=False)

    def dsn(self, database: str) -> str:
        return self.base.set(database=database, drivername="postgresql").render_as_string(
            hide_password=False
        )


async def admin_sql(server: Server, *statements: str) -> None:
    conn = await asyncpg.connect(server.dsn(server.admin_db))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


SECTORS = (
    "电子信息",
    "装备制造",
    "新材料",
    "生物医药",
    "新能源",
    "节能环保",
    "现代农业",
    "软件服务",
)

# Benchmark data generation (see the module docstring): set-based SQL straight into the
# domain tables; {loans} and {firms} are filled in, random() is seeded per session.
GENERATE = [
    (
        "institutions",
        """
        INSERT INTO institutions (id, name, kind, cooperating_since)
        SELECT g, CASE WHEN g <= 10 THEN '基准银行' || g || '号' ELSE '基准担保' || g || '号' END,
               CASE WHEN g <= 10 THEN 'BANK' ELSE 'GUARANTOR' END, date '2018-10-01'
        FROM generate_series(1, 15) g
        """,
    ),
    (
        "firms",
        """
        INSERT INTO firms (id, name, uscc, sector, annual_revenue, innovation_tier)
        SELECT g, '基准企业' || g, '91410100' || lpad(g::text, 10, '0'),
               (ARRAY[{sectors}])[1 + g % 8], (1 + floor(random() * 5000))::bigint * 10000000,
               CASE WHEN g % 4 = 0 THEN NULL ELSE 1 + g % 3 END
        FROM generate_series(1, {firms}) g
        """,
    ),
    (
        "loans",
        """
        INSERT INTO loans (id, contract_no, lender_id, guarantor_id, firm_id, loan_type,
                           credit_line, granted_on, maturity, overdue_since, lawsuit_filed_on,
                           pool_entry_on, policy_code)
        SELECT g, 'BENCH-' || lpad(g::text, 9, '0'), 1 + g % 10,
               CASE WHEN g % 3 = 0 THEN 11 + g % 5 END,
               1 + (g::bigint * 7919) % {firms},
               CASE WHEN g % 3 = 0 THEN 'GUARANTEED' ELSE 'BANK_DIRECT' END,
               credit, granted, granted + 365 * (1 + g % 3),
               CASE WHEN overdue THEN granted + 200 + (g % 300) END,
               CASE WHEN overdue AND g % 5 = 0 THEN granted + 320 + (g % 100) END,
               granted + g % 10,
               CASE WHEN granted + g % 10 < date '2025-02-06' THEN 'ZKD-1.0' ELSE 'ZKD-2025' END
        FROM (
            SELECT g, date '2019-01-01' + floor(random() * 2520)::int AS granted,
                   (10 + floor(random() * 490))::bigint * 1000000 AS credit,
                   random() < 0.05 AS overdue
            FROM generate_series(1, {loans}) g
        ) s
        """,
    ),
    (
        "loan_movements",
        """
        INSERT INTO loan_movements (loan_id, kind, repayment_kind, on_date, amount)
        SELECT l.id, CASE WHEN k = 0 THEN 'DISBURSEMENT' ELSE 'REPAYMENT' END,
               CASE WHEN k = 0 THEN NULL
                    WHEN l.overdue_since IS NOT NULL THEN 'RECOVERY' ELSE 'REGULAR' END,
               l.granted_on + 120 * k,
               CASE WHEN k = 0 THEN l.credit_line * (50 + l.id % 51) / 100
                    ELSE l.credit_line / 5 END
        FROM loans l, generate_series(0, (l.id % 3)::int) k
        """,
    ),
    (
        "claims",
        """
        INSERT INTO claims (loan_id, claimant_id, loan_type, policy_code, claimed_principal,
                            state, audited_loss, compensation, paid_amount, submitted_at,
                            updated_at)
        SELECT id, coalesce(guarantor_id, lender_id), loan_type, policy_code, principal,
               state,
               CASE WHEN state IN ('REVIEWED', 'APPROVED', 'PAID') THEN principal * 9 / 10 END,
               CASE WHEN state IN ('APPROVED', 'PAID') THEN principal * 9 / 20 END,
               CASE WHEN state = 'PAID' THEN principal * 9 / 20 END,
               submitted, submitted + interval '30 days'
        FROM (
            SELECT id, guarantor_id, lender_id, loan_type, policy_code,
                   credit_line / 2 AS principal,
                   (ARRAY['SUBMITTED', 'REVIEWED', 'APPROVED', 'PAID', 'REJECTED'])[1 + id % 5]
                       AS state,
                   (overdue_since + 70)::timestamp AT TIME ZONE 'UTC' + interval '2 hours'
                       AS submitted
            FROM loans WHERE overdue_since IS NOT NULL AND id % 2 = 0
        ) s
        """,
    ),
    (
        "claim_events",
        """
        INSERT INTO claim_events (claim_id, seq, action, source, target, actor_role,
                                  actor_subject, at, evidence, amount)
        SELECT c.id, k,
               CASE WHEN c.state = 'REJECTED' AND k = 2 THEN 'REJECT'
                    ELSE (ARRAY['SUBMIT', 'COMMISSION_AUDIT', 'RECORD_AUDIT', 'REVIEW',
                                'APPROVE', 'PAY'])[k] END,
               CASE WHEN k > 1 THEN (ARRAY['SUBMITTED', 'AUDIT_COMMISSIONED', 'AUDITED',
                                           'REVIEWED', 'APPROVED'])[k - 1] END,
               CASE WHEN c.state = 'REJECTED' AND k = 2 THEN 'REJECTED'
                    ELSE (ARRAY['SUBMITTED', 'AUDIT_COMMISSIONED', 'AUDITED', 'REVIEWED',
                                'APPROVED', 'PAID'])[k] END,
               'OPERATOR', 'bench', c.submitted_at + (k - 1) * interval '5 days', '{{}}',
               CASE WHEN k = 6 THEN c.paid_amount END
        FROM claims c,
             generate_series(1, CASE c.state WHEN 'SUBMITTED' THEN 1 WHEN 'REVIEWED' THEN 4
                                             WHEN 'APPROVED' THEN 5 WHEN 'PAID' THEN 6
                                             ELSE 2 END) k
        """,
    ),
]


async def generate(dsn: str, loans: int, firms: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT setseed(0.42)")
        sectors = ", ".join(f"'{s}'" for s in SECTORS)
        for table, sql in GENERATE:
            started = time.perf_counter()
            status = await conn.execute(sql.format(loans=loans, firms=firms, sectors=sectors))
            note(generate=table, rows=int(status.split()[-1]), seconds=_r(started))
        for table in ("institutions", "firms", "loans"):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        started = time.perf_counter()
        await conn.execute("VACUUM ANALYZE")
        note(generate="vacuum_analyze", seconds=_r(started))
    finally:
        await conn.close()


def _r(started: float) -> float:
    return round(time.perf_counter() - started, 2)


async def prepare_database(server: Server, args: argparse.Namespace) -> bool:
    """Create, migrate and fill the bench database; ``False`` when an existing one is reused."""
    if args.keep_db:
        conn = await asyncpg.connect(server.dsn(server.admin_db))
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE)
        finally:
            await conn.close()
        if exists:
            conn = await asyncpg.connect(server.dsn(DATABASE))
            try:
                count = await conn.fetchval("SELECT count(*) FROM loans")
            except asyncpg.PostgresError:
                count = None
            finally:
                await conn.close()
            if count == args.loans:
                note(reuse=DATABASE, loans=count)
                return False
    await admin_sql(server, f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}")
    engine = create_engine(server.url(DATABASE))
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    started = time.perf_counter()
    await generate(server.dsn(DATABASE), args.loans, args.firms)
    note(generate="total", loans=args.loans, seconds=_r(started))
    return True


# -- the app, a capture of its SQL, and the raw replay -------------------------------------


def quiet_production_logs() -> None:
    """riskpool's production structlog pipeline (``riskpool.logs``), rendered to /dev/null:
    the app pays for its per-request log line, and stdout stays JSON lines only."""
    devnull = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(devnull),
        cache_logger_on_first_use=True,
    )


def build_app(url: str, *, cached: bool = True) -> App:
    """The app as production runs it; ``cached=False`` turns the statistics cache off
    so every request computes its figures (the cold latency the SQL baseline faces)."""
    app = build(
        Settings(
            database_url=url,
            load_demo=False,
            environment="production",
            jwt_secret="bench-only-secret-" + "x" * 32,  # production refuses short ones
        )
    )
    if not cached:
        app.statistics = StatisticsCache(maxsize=0)
    return app


def bench_token(app: App) -> str:
    return mint(token_settings(app), subject="bench-dashboard", role=Role.VIEWER)


@dataclass
class Captured:
    statements: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    sql_seconds: float = 0.0
    _started: float = 0.0


@contextlib.contextmanager
def capture_sql(app: App) -> Any:
    """Record every statement the app sends (SQL + bound parameters) and the time in them."""
    captured = Captured()
    sync_engine = app.db.engine.sync_engine

    def before(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _m: bool) -> None:
        captured.statements.append((statement, tuple(parameters or ())))
        captured._started = time.perf_counter()

    def after(*_: Any) -> None:
        captured.sql_seconds += time.perf_counter() - captured._started

    event.listen(sync_engine, "before_cursor_execute", before)
    event.listen(sync_engine, "after_cursor_execute", after)
    try:
        yield captured
    finally:
        event.remove(sync_engine, "before_cursor_execute", before)
        event.remove(sync_engine, "after_cursor_execute", after)


async def post_graphql(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors']}")
    return body


async def replay(
    conn: asyncpg.Connection, statements: Sequence[tuple[str, tuple[Any, ...]]]
) -> int:
    """The captured statements, raw: one transaction, rows fetched, nothing converted."""
    rows = 0
    async with conn.transaction():
        for sql, params in statements:
            rows += len(await conn.fetch(sql, *params))
    return rows


async def timed(work: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await work()
    return time.perf_counter() - started


async def bench_latency(
    app: App,
    dsn: str,
    name: str,
    query: str,
    variables: dict[str, Any],
    rounds: int,
    *,
    p95: bool = False,
    explain: bool = False,
) -> list[tuple[str, tuple[Any, ...]]]:
    """GraphQL in process vs the same SQL over raw asyncpg, alternating, ``rounds`` each."""
    token = bench_token(app)
    transport = httpx.ASGITransport(app=create_app(app))
    conn = await asyncpg.connect(dsn)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            with capture_sql(app) as captured:  # warm-up call, and the statements it sent
                started = time.perf_counter()
                body = await post_graphql(client, token, query, variables)
                warm = time.perf_counter() - started
            statements = captured.statements
            note(
                run=name,
                warmup_seconds=round(warm, 3),
                statements=len(statements),
                sql_seconds=round(captured.sql_seconds, 3),
                response_bytes=len(json.dumps(body)),
                cost=body.get("extensions", {}).get("cost"),
            )
            await replay(conn, statements)  # warm the raw side (prepared statements) too
            api: list[float] = []
            raw: list[float] = []
            sql: list[float] = []
            for i in range(rounds):

                async def one_api() -> None:
                    with capture_sql(app) as c:
                        api.append(
                            await timed(lambda: post_graphql(client, token, query, variables))
                        )
                    sql.append(c.sql_seconds)

                async def one_raw() -> None:
                    raw.append(await timed(lambda: replay(conn, statements)))

                for step in (one_api, one_raw) if i % 2 == 0 else (one_raw, one_api):
                    await step()
        note(
            run=name,
            graphql_ms=[round(s * 1000, 1) for s in api],
            graphql_sql_ms=[round(s * 1000, 1) for s in sql],
            raw_ms=[round(s * 1000, 1) for s in raw],
        )
        api_p50, raw_p50 = statistics.median(api), statistics.median(raw)
        sql_p50 = statistics.median(sql)
        note(
            run=name,
            graphql_p50_ms=round(api_p50 * 1000, 1),
            in_sqlalchemy_execute_p50_ms=round(sql_p50 * 1000, 1),
            outside_execute_p50_ms=round((api_p50 - sql_p50) * 1000, 1),
            raw_p50_ms=round(raw_p50 * 1000, 1),
        )
        emit(f"{name}_p50", api_p50 * 1000, "ms", raw_p50 * 1000)
        if p95:
            emit(f"{name}_p95", percentile(api, 95) * 1000, "ms", percentile(raw, 95) * 1000)
        if explain:
            await explain_statements(conn, name, statements)
    finally:
        await conn.close()
    return statements


async def explain_statements(
    conn: asyncpg.Connection, name: str, statements: Sequence[tuple[str, tuple[Any, ...]]]
) -> None:
    """EXPLAIN ANALYZE of each captured statement, to stderr (the plans' top lines)."""
    for index, (sql, params) in enumerate(statements):
        async with conn.transaction():
            plan = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) {sql}", *params)
        lines = [r[0] for r in plan]
        note(explain=name, statement=index, sql=" ".join(sql.split())[:300], plan=lines)


# -- HTTP: uvicorn, riskpool + a bare endpoint ---------------------------------------------


def serve(url: str, port: int) -> None:
    """The server subprocess: the riskpool app as ``riskpool serve`` builds it, plus ``/bare``."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.types import Receive, Scope, Send

    from riskpool.logs import configure

    configure()  # as `riskpool serve` does (stdout is /dev/null here)

    async def bare(_: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    bare_app = Starlette(routes=[Route("/bare", bare, methods=["GET"])])
    riskpool_app = create_app(build_app(url))

    async def combined(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/bare":
            await bare_app(scope, receive, send)
        else:
            await riskpool_app(scope, receive, send)

    uvicorn.run(combined, host="127.0.0.1", port=port, access_log=False, log_level="warning")


async def wait_ready(base: str, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        while True:
            if process.returncode is not None:
                raise RuntimeError("the uvicorn subprocess exited")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/bare")).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError("the uvicorn subprocess did not start")
            await asyncio.sleep(0.2)


class Load:
    """Closed-loop load: ``clients`` loops, each one request at a time, until a deadline."""

    def __init__(self, label: str, clients: int, seconds: float, server_pid: int) -> None:
        self.label, self.clients, self.seconds, self.server_pid = (
            label,
            clients,
            seconds,
            server_pid,
        )
        self.last = 0.0

    async def run(self, loop: Callable[[float], Awaitable[int]]) -> float:
        """Completed requests/s; requests running at the deadline are awaited and counted."""
        cpu, server_cpu = time.process_time(), _cpu_seconds(self.server_pid)
        started = time.perf_counter()
        deadline = started + self.seconds
        counts = await asyncio.gather(*(loop(deadline) for _ in range(self.clients)))
        elapsed = self.last - started
        note(
            run=self.label,
            clients=self.clients,
            done=sum(counts),
            seconds=round(elapsed, 3),
            # Share of one core used by the load generator (this process) and by the
            # uvicorn process: near 1.0 means that process is the limit.
            client_cpu_share=round((time.process_time() - cpu) / elapsed, 2),
            server_cpu_share=round((_cpu_seconds(self.server_pid) - server_cpu) / elapsed, 2),
        )
        return sum(counts) / elapsed


async def drive_httpx(
    base: str, load: Load, request: Callable[[httpx.AsyncClient], Awaitable[None]]
) -> float:
    """The load through one ``httpx.AsyncClient`` with ``clients`` keep-alive connections."""
    limits = httpx.Limits(max_connections=load.clients, max_keepalive_connections=load.clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=600) as client:
        await asyncio.gather(*(request(client) for _ in range(load.clients)))  # connect, warm

        async def loop(deadline: float) -> int:
            done = 0
            while time.perf_counter() < deadline:
                await request(client)
                done += 1
                load.last = time.perf_counter()
            return done

        return await load.run(loop)


async def drive_sockets(port: int, load: Load, path: str) -> float:
    """The same load with a minimal HTTP/1.1 keep-alive client on bare asyncio streams
    (GET, Content-Length bodies only): shows whether httpx or the server is the limit."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()

    async def loop(deadline: float) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        done = 0
        try:
            while time.perf_counter() < deadline:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(head.decode("latin-1"))
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                done += 1
                load.last = time.perf_counter()
        finally:
            writer.close()
        return done

    return await load.run(loop)


async def bench_rps(
    url: str, token: str, variables: dict[str, Any], clients: int, seconds: float
) -> None:
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--serve",
        url,
        "--port",
        str(port),
        stdout=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base, process)

        async def bare(client: httpx.AsyncClient) -> None:
            response = await client.get("/bare")
            response.raise_for_status()

        async def dashboard(client: httpx.AsyncClient) -> None:
            await post_graphql(client, token, DASHBOARD_QUERY, variables)

        pid = process.pid
        bare_rps = await drive_httpx(base, Load("http_bare", clients, seconds, pid), bare)
        api_rps = await drive_httpx(base, Load("http_graphql", clients, seconds, pid), dashboard)
        emit("api_stats_rps", api_rps, "requests/s", bare_rps)
        raw_client = await drive_sockets(
            port, Load("http_bare_socket_client", clients, seconds, pid), "/bare"
        )
        note(run="http_bare_socket_client", requests_per_s=round(raw_client, 1))
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


# -- main ----------------------------------------------------------------------------------


async def run(args: argparse.Namespace, server: Server) -> None:
    try:
        await prepare_database(server, args)
        url, dsn = server.url(DATABASE), server.dsn(DATABASE)
        variables: dict[str, Any] = {"asOf": args.as_of, "policy": args.policy}
        app = build_app(url, cached=False)
        try:
            await bench_latency(
                app,
                dsn,
                "api_stats_latency",
                DASHBOARD_QUERY,
                variables,
                args.rounds,
                p95=True,
                explain=args.explain,
            )
            if args.operation_rounds > 0:
                await bench_latency(
                    app,
                    dsn,
                    "api_statistics_operation",
                    STATISTICS_OPERATION.read_text(),
                    {"asOf": args.as_of},
                    args.operation_rounds,
                    explain=args.explain,
                )
            token = bench_token(app)
        finally:
            await app.close()
        warm = build_app(url)
        try:
            await bench_latency(
                warm, dsn, "api_stats_latency_cached", DASHBOARD_QUERY, variables, args.rounds
            )
        finally:
            await warm.close()
        if args.seconds > 0:
            await bench_rps(url, token, variables, args.clients, args.seconds)
    finally:
        if not args.keep_db:
            await admin_sql(server, f"DROP DATABASE IF EXISTS {DATABASE}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="postgresql+asyncpg://… of an existing server")
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--firms", type=int, default=50_000)
    parser.add_argument("--as-of", default="2025-12-31", help="the dashboard's date")
    parser.add_argument("--policy", default=None, help="policyCode filter (default: all loans)")
    parser.add_argument("--rounds", type=int, default=5, help="latency samples per side")
    parser.add_argument(
        "--operation-rounds", type=int, default=3, help="samples of Statistics.graphql (0: skip)"
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP connections")
    parser.add_argument("--seconds", type=float, default=15.0, help="per HTTP run (0: skip)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE to stderr")
    parser.add_argument("--keep-db", action="store_true", help="keep (and reuse) the database")
    parser.add_argument("--serve", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    date.fromisoformat(args.as_of)

    if args.serve:
        serve(args.serve, args.port)
        return
    quiet_production_logs()

    local: LocalPostgres | None = None
    if args.url:
        url = make_url(args.url)
        server = Server(url, url.database or "postgres")
    else:
        local = LocalPostgres()
        server = Server(make_url(local.start()), "postgres")
        note(server=local.version(), pid=os.getpid())
    started = time.perf_counter()
    try:
        asyncio.run(run(args, server))
    finally:
        if local is not None:
            local.stop()
        note(total_seconds=_r(started))


if __name__ == "__main__":
    main()
