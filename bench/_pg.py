"""A throwaway PostgreSQL cluster for the benchmarks (initdb in a temp dir).

Self-contained on purpose: benchmarks do not import from ``tests/``. Same
approach as the test suite: Debian's server binaries, a free loopback port,
``trust`` authentication, and — because PostgreSQL refuses to run as root —
``runuser -u postgres`` when started by root.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_USER = "riskpool"


def pg_bindir() -> Path:
    configured = os.environ.get("RISKPOOL_PG_BIN")
    candidates = [Path(configured)] if configured else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for candidate in candidates:
        if (candidate / "initdb").exists():
            return candidate
    raise RuntimeError("PostgreSQL server binaries not found (set RISKPOOL_PG_BIN)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalPostgres:
    """Start with :meth:`start`, always :meth:`stop` (it also deletes the data)."""

    def __init__(self, *, durable: bool = False, extra_options: str = "") -> None:
        self.bindir = pg_bindir()
        self.durable = durable
        self.extra_options = extra_options
        self.tmp = Path(tempfile.mkdtemp(prefix="riskpool-bench-pg-"))
        self.data = self.tmp / "data"
        self.port = _free_port()
        self.run_as: str | None = None
        if os.geteuid() == 0:
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

    def version(self) -> str:
        out = subprocess.run(
            [str(self.bindir / "postgres"), "--version"], capture_output=True, text=True
        )
        return out.stdout.strip()

    def start(self) -> str:
        """Start the cluster; return ``postgresql+asyncpg://user@host:port`` (no database)."""
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
            f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200 -c shared_buffers=256MB -c max_wal_size=4GB"
        )
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        if self.extra_options:
            options += f" {self.extra_options}"
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
            self.stop()
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{log}")
        return f"postgresql+asyncpg://{PG_USER}@127.0.0.1:{self.port}"

    def stop(self) -> None:
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"),
            capture_output=True,
        )
        shutil.rmtree(self.tmp, ignore_errors=True)
