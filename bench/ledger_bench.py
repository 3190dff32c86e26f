"""The ledger's bulk write path on PostgreSQL, against a raw-asyncpg baseline.

Run::

    .venv/bin/python bench/ledger_bench.py                      # full size, own server
    .venv/bin/python bench/ledger_bench.py --entries 10000      # quick
    .venv/bin/python bench/ledger_bench.py --url postgresql+asyncpg://u@host:5432/x

What it measures: ``Ledger.post_many`` of ``--entries`` two-posting entries in
one call — the one write path, as the demo load and a history import run it
(in chunks of :data:`riskpool.ledger.store.CHUNK_ENTRIES` entries) — spread
round-robin over ``--pairs`` disjoint (debit, credit) account pairs without
balance flags. Best of ``--rounds``, each on a fresh clone of a template.

Baselines, measured in the same run on the same server, best of ``--rounds``:

``ledger_post_many``
    asyncpg ``executemany`` of the very rows ``post_many`` wrote (read back),
    postings and entries, into bare copies of ``ledger_postings`` and
    ``ledger_entries`` (``CREATE TABLE … (LIKE …)``: same columns and types, no
    keys, constraints or triggers), in one transaction — rows/s against rows/s;
``ledger_post_many_postings_only``
    the baseline of the earlier sessions' figures (docs/benchmarks.md): the
    posting rows alone into a bare table — postings/s against rows/s.

Without ``--url`` the script starts a throwaway PostgreSQL cluster (``initdb``
in a temporary directory, fsync off unless ``--durable``) and stops it at the
end. It prints one JSON object a line::

    {"name": ..., "value": ..., "unit": ..., "baseline": ..., "ratio": ...}

where ``ratio = value / baseline``. This is not a test: nothing asserts a target.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
from _pg import LocalPostgres
from moneyed import Money
from sqlalchemy.engine import URL, make_url

from riskpool import migrate
from riskpool.db import Database, create_engine
from riskpool.ledger.model import AccountSpec, AccountType, EntrySpec, PostingSpec
from riskpool.ledger.service import Ledger

BOOK = "BENCH"
DAY = date(2026, 1, 1)
CURRENCY = "CNY"
POSTING_COLUMNS = (
    "id, entry_id, account_id, currency, amount, account_seq, balance_after, prev_hash"
)
ENTRY_COLUMNS = (
    "id, book_id, effective_date, booked_at, description, metadata, idempotency_key, "
    "payload_hash, actor, reverses_entry_id, entry_hash"
)


def emit(name: str, value: float, unit: str, baseline: float) -> None:
    ratio = value / baseline if baseline else float("nan")
    line = {
        "name": name,
        "value": round(value, 1),
        "unit": unit,
        "baseline": round(baseline, 1),
        "ratio": round(ratio, 3),
    }
    print(json.dumps(line), flush=True)


def note(**fields: Any) -> None:
    print(json.dumps(fields), file=sys.stderr, flush=True)


def cny(fen: int) -> Money:
    return Money(Decimal(fen).scaleb(-2), CURRENCY)


@dataclass
class Server:
    base: URL  # postgresql+asyncpg://user@host:port[/any]; the database is replaced
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


async def checkpoint(dsn: str) -> None:
    """Flush dirty pages before a timed phase so phases do not pay for each other."""
    conn = await asyncpg.connect(dsn)
    try:
        with contextlib.suppress(asyncpg.PostgresError):  # needs superuser / pg_checkpoint
            await conn.execute("CHECKPOINT")
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def pair_codes(index: int) -> tuple[str, str]:
    return f"D{index:05d}", f"C{index:05d}"


async def build_template(server: Server, name: str, pairs: int) -> None:
    """A migrated database with the bench book and its accounts, to clone from."""
    await admin_sql(server, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    engine = create_engine(server.url(name))
    try:
        await migrate.upgrade(engine)
        ledger = Ledger(Database(engine))
        await ledger.create_book(BOOK, "benchmark fund")
        sem = asyncio.Semaphore(4)

        async def open_one(code: str) -> None:
            spec = AccountSpec(
                book=BOOK,
                code=code,
                name=f"bench {code}",
                type=AccountType.EXPENSE if code.startswith("D") else AccountType.NET_ASSETS,
                currency=CURRENCY,
                opened_on=DAY,
            )  # no balance flags: credits may run the balance negative
            async with sem:
                await ledger.open_account(spec)

        await asyncio.gather(*(open_one(c) for i in range(pairs) for c in pair_codes(i)))
    finally:
        await engine.dispose()


async def clone(server: Server, template: str, name: str) -> str:
    await admin_sql(
        server, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name} TEMPLATE {template}"
    )
    return name


def bulk_specs(entries: int, pairs: int, tag: str) -> list[EntrySpec]:
    specs = []
    for i in range(entries):
        debit, credit = pair_codes(i % pairs)
        fen = 100 + i % 9_900
        specs.append(
            EntrySpec(
                book=BOOK,
                effective_date=DAY,
                description=f"bulk {i}",
                postings=(PostingSpec(debit, cny(fen)), PostingSpec(credit, cny(-fen))),
                idempotency_key=f"{tag}-{i}",
                actor="bench",
            )
        )
    return specs


async def time_post_many(server: Server, template: str, specs: list[EntrySpec]) -> float:
    """One ``post_many`` of ``specs`` on a fresh clone (left in place as bench_bulk)."""
    database = await clone(server, template, "bench_bulk")
    await checkpoint(server.dsn(database))
    engine = create_engine(server.url(database))
    try:
        ledger = Ledger(Database(engine))
        started = time.perf_counter()
        posted = await ledger.post_many(specs)
        elapsed = time.perf_counter() - started
        assert len(posted) == len(specs)
        return elapsed
    finally:
        await engine.dispose()


async def time_raw(dsn: str, tables: list[tuple[str, str, list[tuple[Any, ...]]]]) -> float:
    """``executemany`` of ``rows`` into each bare table, in one transaction."""
    conn = await asyncpg.connect(dsn)
    try:
        for table, _columns, _rows in tables:
            await conn.execute(f"TRUNCATE {table}")
        started = time.perf_counter()
        async with conn.transaction():
            for table, columns, rows in tables:
                marks = ", ".join(f"${i + 1}" for i in range(len(columns.split(","))))
                await conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        return time.perf_counter() - started
    finally:
        await conn.close()


async def bench_bulk(server: Server, template: str, entries: int, pairs: int, rounds: int) -> None:
    specs = bulk_specs(entries, pairs, "bulk")
    elapsed_ledger = min([await time_post_many(server, template, specs) for _ in range(rounds)])
    dsn = server.dsn("bench_bulk")
    conn = await asyncpg.connect(dsn)
    try:
        postings = [
            tuple(r)
            for r in await conn.fetch(f"SELECT {POSTING_COLUMNS} FROM ledger_postings ORDER BY id")
        ]
        entry_rows = [
            tuple(r)
            for r in await conn.fetch(f"SELECT {ENTRY_COLUMNS} FROM ledger_entries ORDER BY id")
        ]
        assert len(postings) == 2 * entries and len(entry_rows) == entries
        await conn.execute("CREATE TABLE raw_postings (LIKE ledger_postings)")
        await conn.execute("CREATE TABLE raw_entries (LIKE ledger_entries)")
    finally:
        await conn.close()
    both = [("raw_postings", POSTING_COLUMNS, postings), ("raw_entries", ENTRY_COLUMNS, entry_rows)]
    only = [("raw_postings", POSTING_COLUMNS, postings)]
    elapsed_both = elapsed_only = float("inf")
    for _ in range(rounds):
        await checkpoint(dsn)
        elapsed_both = min(elapsed_both, await time_raw(dsn, both))
        await checkpoint(dsn)
        elapsed_only = min(elapsed_only, await time_raw(dsn, only))
    rows = len(postings) + len(entry_rows)
    note(
        phase="bulk",
        entries=entries,
        account_pairs=pairs,
        ledger_seconds=round(elapsed_ledger, 3),
        raw_seconds_postings_and_entries=round(elapsed_both, 3),
        raw_seconds_postings_only=round(elapsed_only, 3),
    )
    emit("ledger_post_many", rows / elapsed_ledger, "rows/s", rows / elapsed_both)
    emit(
        "ledger_post_many_postings_only",
        len(postings) / elapsed_ledger,
        "postings/s",
        len(postings) / elapsed_only,
    )


async def run(args: argparse.Namespace, server: Server) -> None:
    template = "bench_template"
    started = time.perf_counter()
    await build_template(server, template, args.pairs)
    note(phase="setup", accounts=2 * args.pairs, seconds=round(time.perf_counter() - started, 3))
    try:
        await bench_bulk(server, template, args.entries, args.pairs, args.rounds)
    finally:
        await admin_sql(server, "DROP DATABASE IF EXISTS bench_bulk", f"DROP DATABASE {template}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="postgresql+asyncpg://… of an existing server")
    parser.add_argument("--entries", type=int, default=100_000, help="entries for post_many")
    parser.add_argument("--pairs", type=int, default=1_000, help="account pairs")
    parser.add_argument("--rounds", type=int, default=2, help="best of N (every figure)")
    parser.add_argument("--durable", action="store_true", help="own server with fsync on")
    args = parser.parse_args()

    local: LocalPostgres | None = None
    if args.url:
        url = make_url(args.url)
        server = Server(url, url.database or "postgres")
    else:
        local = LocalPostgres(durable=args.durable)
        server = Server(make_url(local.start()), "postgres")
        note(server=local.version(), durable=args.durable, pid=os.getpid())
    try:
        asyncio.run(run(args, server))
    finally:
        if local is not None:
            local.stop()


if __name__ == "__main__":
    main()
