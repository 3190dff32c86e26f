"""Test fixtures: every database test runs on SQLite *and* on a real PostgreSQL.

The PostgreSQL server is started here, once per session, from Debian's
``postgresql`` binaries (``initdb`` in a temporary folder, a free loopback
port, fsync off), unless ``RISKPOOL_TEST_POSTGRES_URL`` points at one. If it
cannot start, the tests that need it **error** — they are never skipped, so a
green run always means both dialects were exercised.

Each test gets a fresh database cloned from a migrated template (PostgreSQL
``CREATE DATABASE … TEMPLATE``; a file copy for SQLite), so tests are isolated
and migrations run once per dialect per session.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from riskpool import migrate
from riskpool.db import Database, create_engine

PG_USER = "riskpool"

DIALECTS = tuple(
    name.strip()
    for name in os.environ.get("RISKPOOL_TEST_DIALECTS", "sqlite,postgresql").split(",")
    if name.strip()
)
"""The dialects every database test runs on: both, always, in CI and in the README's
test command. ``./scripts/test.sh --fast`` (the developer loop) sets
``RISKPOOL_TEST_DIALECTS=sqlite``; nothing else narrows it."""
if not set(DIALECTS) <= {"sqlite", "postgresql"} or not DIALECTS:
    raise RuntimeError(f"RISKPOOL_TEST_DIALECTS names unknown dialects: {DIALECTS}")


def _pg_bindir() -> Path:
    configured = os.environ.get("RISKPOOL_PG_BIN")
    candidates = [Path(configured)] if configured else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for candidate in candidates:
        if (candidate / "initdb").exists():
            return candidate
    raise RuntimeError(
        "PostgreSQL server binaries not found (install Debian's postgresql-15, "
        "or run ./scripts/test.sh which does)"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    url_base: str  # postgresql+asyncpg://user@host:port
    template: str = "riskpool_template"

    def url(self, database: str) -> str:
        return f"{self.url_base}/{database}"

    async def fresh(self, template: str | None = None) -> str:
        """The URL of a new database copied from ``template`` (the migrated one by default)."""
        name = f"t_{os.getpid()}_{next(_counter)}"
        admin = create_engine(self.url("postgres"))
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template or self.template}"))
        await admin.dispose()
        return self.url(name)


class _LocalPostgres:
    """A throwaway PostgreSQL cluster owned by this test session."""

    def __init__(self) -> None:
        self.bindir = _pg_bindir()
        self.tmp = Path(tempfile.mkdtemp(prefix="riskpool-pg-"))
        self.data = self.tmp / "data"
        self.port = _free_port()
        self.run_as: str | None = None
        if os.geteuid() == 0:  # postgres refuses to run as root
            self.run_as = "postgres"
            try:
                pwd.getpwnam(self.run_as)
            except KeyError:
                subprocess.run(["useradd", "--system", "--no-create-home", self.run_as], check=True)
            shutil.chown(self.tmp, self.run_as, self.run_as)

    def _cmd(self, *args: str) -> list[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as:
            return ["runuser", "-u", self.run_as, "--", *command]
        return command

    def start(self) -> str:
        subprocess.run(
            self._cmd(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                PG_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
        )
        options = (
            f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
            "-c shared_buffers=256MB"
        )
        started = subprocess.run(
            self._cmd(
                "pg_ctl",
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.tmp / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ),
            capture_output=True,
            text=True,
        )
        if started.returncode != 0:
            log = (self.tmp / "log").read_text() if (self.tmp / "log").exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{log}")
        return f"postgresql+asyncpg://{PG_USER}@127.0.0.1:{self.port}"

    def stop(self) -> None:
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"),
            capture_output=True,
        )
        shutil.rmtree(self.tmp, ignore_errors=True)


async def _prepare_template(server: PostgresServer) -> None:
    admin = create_engine(server.url("postgres"))
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f"DROP DATABASE IF EXISTS {server.template}"))
        await conn.execute(text(f"CREATE DATABASE {server.template}"))
    await admin.dispose()
    engine = create_engine(server.url(server.template))
    await migrate.upgrade(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    external = os.environ.get("RISKPOOL_TEST_POSTGRES_URL")
    local: _LocalPostgres | None = None
    if external:
        base = external.rstrip("/")
    else:
        local = _LocalPostgres()
        base = local.start()
    server = PostgresServer(base)
    try:
        _run_in_thread(_prepare_template(server))
        yield server
    finally:
        if local is not None:
            local.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"

    async def build() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        await engine.dispose()

    _run_in_thread(build())
    return path


_counter = itertools.count()


def _run_in_thread(coro: Coroutine[Any, Any, None]) -> None:
    """Run set-up coroutine in its own loop (session fixtures may be first
    requested from inside a test's running event loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coro).result()


@dataclass
class DatabaseCase:
    """What a database test receives: the dialect, its URL and a :class:`Database`."""

    dialect: str
    url: str
    db: Database


async def _load_demo_into(url: str) -> None:
    """The demo, loaded once through the product's own loader (the bus), into ``url``."""
    from riskpool.bootstrap import build
    from riskpool.demo import load_demo
    from riskpool.settings import Settings

    db = Database.from_url(url)
    try:
        await load_demo(build(Settings(database_url=url, load_demo=False), db=db))
        if db.dialect == "sqlite":
            async with db.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def sqlite_demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the demo loaded, built once per session (then copied)."""
    path = tmp_path_factory.mktemp("sqlite-demo-template") / "demo.db"
    shutil.copyfile(sqlite_template, path)
    _run_in_thread(_load_demo_into(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_demo_template(postgres_server: PostgresServer) -> str:
    """A PostgreSQL template database with the demo loaded, built once per session."""
    name = "riskpool_demo_template"

    async def build() -> None:
        admin = create_engine(postgres_server.url("postgres"))
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            await conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {postgres_server.template}"))
        await admin.dispose()
        await _load_demo_into(postgres_server.url(name))

    _run_in_thread(build())
    return name


@pytest.fixture(params=DIALECTS)
async def demo_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DatabaseCase]:
    """A database of each dialect holding the demo, copied from a suite-wide template
    (the demo is loaded once per dialect and session, not once per test)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_demo_template")
        path = tmp_path / "demo.db"
        shutil.copyfile(template, path)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = await server.fresh(request.getfixturevalue("postgres_demo_template"))
    db = Database.from_url(url)
    try:
        yield DatabaseCase(request.param, url, db)
    finally:
        await db.dispose()


@pytest.fixture(params=DIALECTS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DatabaseCase]:
    """A freshly migrated, empty database of each dialect."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copyfile(template, path)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = await server.fresh()
    db = Database.from_url(url)
    try:
        yield DatabaseCase(request.param, url, db)
    finally:
        await db.dispose()
