"""``riskpool verify`` over a large ledger on PostgreSQL, against a raw baseline.

Run::

    .venv/bin/python bench/verify_bench.py                      # 1,000,000 postings
    .venv/bin/python bench/verify_bench.py --postings 100000    # quick
    .venv/bin/python bench/verify_bench.py --url postgresql+asyncpg://u@host:5432/x

The ledger is loaded once through the one write path (``Ledger.post_many`` in
batches of ``--batch`` entries, two postings each, round-robin over
``--pairs`` account pairs). Then, best of ``--rounds`` each:

``ledger_verify``
    :func:`riskpool.ledger.verify.verify` — what ``riskpool verify`` runs — in
    one read-only snapshot: every entry's hash and zero sum, every account's
    chain and running balances, every cached balance and chain head — in
    postings/s;
baseline
    the floor of any verifier: a raw asyncpg cursor over the same rows
    (entries joined with their postings, in the order ``verify`` reads them)
    plus ``hashlib.sha256`` over the same bytes (each entry's canonical
    encoding, prepared before the clock starts) — in postings/s.

Without ``--url`` the script starts a throwaway PostgreSQL cluster and stops
it at the end. It prints one JSON line ``{"name", "value", "unit",
"baseline", "ratio"}``. This is not a test: nothing asserts a target.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import sys
import time
from typing import Any

import asyncpg
from _pg import LocalPostgres
from ledger_bench import BOOK, Server, admin_sql, build_template, bulk_specs, checkpoint
from sqlalchemy.engine import make_url

from riskpool.db import Database, create_engine
from riskpool.ledger import hashing
from riskpool.ledger.service import Ledger
from riskpool.ledger.verify import verify

SCAN = (
    "SELECT e.id, e.book_id, e.effective_date, e.booked_at, e.description, e.metadata,"
    " e.idempotency_key, e.actor, e.reverses_entry_id, e.entry_hash,"
    " p.account_id, p.currency, p.amount, p.account_seq, p.balance_after, p.prev_hash"
    " FROM ledger_entries e LEFT JOIN ledger_postings p ON p.entry_id = e.id"
    " ORDER BY e.id, p.id"
)


def note(**fields: Any) -> None:
    print(json.dumps(fields), file=sys.stderr, flush=True)


async def load(server: Server, database: str, postings: int, pairs: int, batch: int) -> None:
    engine = create_engine(server.url(database))
    try:
        ledger = Ledger(Database(engine))
        entries = postings // 2
        for start in range(0, entries, batch):
            specs = bulk_specs(min(batch, entries - start), pairs, f"v{start}")
            await ledger.post_many(specs)
    finally:
        await engine.dispose()


async def time_verify(server: Server, database: str) -> float:
    engine = create_engine(server.url(database))
    try:
        db = Database(engine)
        started = time.perf_counter()
        async with db.transaction(write=False) as conn:
            report = await verify(conn)
        elapsed = time.perf_counter() - started
        assert report.ok, report.problems[:3]
        return elapsed
    finally:
        await engine.dispose()


async def encoded(dsn: str) -> list[bytes]:
    """Each entry's canonical bytes, in id order (prepared before the clock starts)."""
    conn = await asyncpg.connect(dsn)
    out: list[bytes] = []
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            current: Any = None
            legs: list[tuple[int, str, int, int, int, str]] = []
            async for row in conn.cursor(SCAN, prefetch=5_000):
                if current is not None and row["id"] != current["id"]:
                    out.append(_bytes(current, legs))
                    legs = []
                current = row
                legs.append(tuple(row)[10:16])  # type: ignore[arg-type]
            if current is not None:
                out.append(_bytes(current, legs))
    finally:
        await conn.close()
    return out


def _bytes(row: Any, legs: list[tuple[int, str, int, int, int, str]]) -> bytes:
    return hashing.entry_bytes(
        entry_id=row["id"],
        book_id=row["book_id"],
        effective_date=row["effective_date"],
        booked_at=row["booked_at"],
        description=row["description"],
        metadata=json.loads(row["metadata"]),
        idempotency_key=row["idempotency_key"],
        actor=row["actor"],
        reverses=row["reverses_entry_id"],
        postings=legs,
    )


async def time_raw(dsn: str, documents: list[bytes]) -> float:
    """The same rows, scanned raw, and SHA-256 over the same bytes."""
    conn = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            index = -1
            last = None
            async for row in conn.cursor(SCAN, prefetch=5_000):
                if row[0] != last:
                    last = row[0]
                    index += 1
                    hashlib.sha256(documents[index]).hexdigest()
        elapsed = time.perf_counter() - started
        assert index + 1 == len(documents)
        return elapsed
    finally:
        await conn.close()


async def run(args: argparse.Namespace, server: Server) -> None:
    template, database = "bench_template", "bench_verify"
    started = time.perf_counter()
    await build_template(server, template, args.pairs)
    await admin_sql(
        server,
        f"DROP DATABASE IF EXISTS {database}",
        f"CREATE DATABASE {database} TEMPLATE {template}",
    )
    try:
        await load(server, database, args.postings, args.pairs, args.batch)
        note(phase="load", postings=args.postings, seconds=round(time.perf_counter() - started, 1))
        dsn = server.dsn(database)
        await checkpoint(dsn)
        documents = await encoded(dsn)
        elapsed_verify = min([await time_verify(server, database) for _ in range(args.rounds)])
        elapsed_raw = min([await time_raw(dsn, documents) for _ in range(args.rounds)])
        note(
            phase="verify",
            book=BOOK,
            entries=len(documents),
            verify_seconds=round(elapsed_verify, 3),
            raw_seconds=round(elapsed_raw, 3),
        )
        value, baseline = args.postings / elapsed_verify, args.postings / elapsed_raw
        line = {
            "name": "ledger_verify",
            "value": round(value, 1),
            "unit": "postings/s",
            "baseline": round(baseline, 1),
            "ratio": round(value / baseline, 3),
        }
        print(json.dumps(line), flush=True)
    finally:
        await admin_sql(server, f"DROP DATABASE IF EXISTS {database}", f"DROP DATABASE {template}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="postgresql+asyncpg://… of an existing server")
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=1_000, help="account pairs")
    parser.add_argument("--batch", type=int, default=50_000, help="entries per post_many")
    parser.add_argument("--rounds", type=int, default=2, help="best of N")
    args = parser.parse_args()
    local: LocalPostgres | None = None
    if args.url:
        url = make_url(args.url)
        server = Server(url, url.database or "postgres")
    else:
        local = LocalPostgres()
        server = Server(make_url(local.start()), "postgres")
        note(server=local.version(), pid=os.getpid())
    try:
        asyncio.run(run(args, server))
    finally:
        if local is not None:
            local.stop()


if __name__ == "__main__":
    main()
