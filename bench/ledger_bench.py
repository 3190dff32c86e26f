"""Ledger write throughput on PostgreSQL, each figure against a raw-asyncpg baseline.

Run::

    .venv/bin/python bench/ledger_bench.py                 # full size, own server
    .venv/bin/python bench/ledger_bench.py --entries 10000 --seconds 3   # quick
    .venv/bin/python bench/ledger_bench.py --url postgresql+asyncpg://u@host:5432/x

Without ``--url`` the script starts a throwaway PostgreSQL cluster (``initdb``
in a temporary directory, fsync off unless ``--durable``) and stops it at the
end. With ``--url`` it creates scratch databases next to the one named and
drops them afterwards. It prints one JSON object a line::

    {"name": ..., "value": ..., "unit": ..., "baseline": ..., "ratio": ...}

where ``ratio = value / baseline`` (riskpool throughput ÷ raw throughput,
measured in the same run on the same server):

``ledger_post_many``
    ``Ledger.post_many`` of ``--entries`` two-posting entries in one call,
    spread round-robin over ``--pairs`` disjoint (debit, credit) account pairs
    without balance flags, in postings/s; baseline: asyncpg ``executemany`` of
    the very same posting rows (read back from ``ledger_postings``) into a bare
    table of the same column types, without keys, constraints or triggers.
``ledger_post_concurrent_disjoint``
    ``--clients`` asyncio clients, each posting single entries with
    ``Ledger.post`` on its own account pair for ``--seconds``, in entries/s
    (one ``Ledger`` for all of them, as in the server, so posts that arrive
    together share statements: :mod:`riskpool.ledger.grouping`);
    baseline: as many raw asyncpg clients each running ``BEGIN; INSERT`` (the
    same two posting rows, one statement) ``; COMMIT`` on a bare table, in
    transactions/s.
``ledger_post_concurrent_shared_source``
    the same, but every client credits one shared source account (so all
    writers queue on that account's balance-row lock); same baseline.

With ``--ceiling``, two more lines measure the database alone, as an upper
bound for any client (same baselines):

``ledger_post_many_db_only``
    the rows ``post_many`` wrote, ``COPY``ed into a fresh clone (every guard
    on) in one transaction: what the database spends on a bulk post with no
    Python at all;
``ledger_post_concurrent_db_only``
    raw asyncpg clients calling ``ledger_post_batch`` with one entry per
    statement (every guard on), arguments built in a few lines, no service and
    no group commit: what one post alone costs the database.

Concurrency runs alternate raw / disjoint / shared for ``--rounds`` rounds and
keep the best of each; bulk: best of ``--rounds`` ``post_many`` runs (each on a
fresh clone) and best of ``--rounds`` baseline runs.

``--breakdown`` additionally times the phases of one ``post_many`` call
(triggers on, then off, in scratch databases) and a set-based insert of the
same rows, printing ``{"phase": ..., "seconds": ...}`` lines to stderr.
This is not a test: nothing asserts a target.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
from _pg import LocalPostgres
from moneyed import Money
from sqlalchemy.engine import URL, make_url

from riskpool import migrate
from riskpool.db import Database, create_engine
from riskpool.ledger import hashing, onecall, sealing
from riskpool.ledger import service as ledger_service
from riskpool.ledger import store as ledger_store
from riskpool.ledger.model import AccountSpec, AccountType, EntrySpec, PostingSpec
from riskpool.ledger.service import Ledger

BOOK = "BENCH"
DAY = date(2026, 1, 1)
CURRENCY = "CNY"
RAW_COLUMNS = (
    "entry_id bigint, account_id bigint, currency text, amount bigint, "
    "account_seq bigint, balance_after bigint, prev_hash text"
)
RAW_INSERT_ONE = (
    "INSERT INTO {table} (entry_id, account_id, currency, amount, account_seq, "
    "balance_after, prev_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)"
)
RAW_INSERT_TWO = (
    "INSERT INTO {table} (entry_id, account_id, currency, amount, account_seq, "
    "balance_after, prev_hash) VALUES ($1, $2, $3, $4, $5, $6, $7), "
    "($8, $9, $10, $11, $12, $13, $14)"
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


def transfer(key: str, debit: str, credit: str, fen: int, description: str) -> EntrySpec:
    return EntrySpec(
        book=BOOK,
        effective_date=DAY,
        description=description,
        postings=(PostingSpec(debit, cny(fen)), PostingSpec(credit, cny(-fen))),
        idempotency_key=key,
        actor="bench",
    )


# -- server and databases --------------------------------------------------------


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


def client_codes(index: int) -> tuple[str, str]:
    return f"XD{index:03d}", f"XC{index:03d}"


SHARED_SOURCE = "XSHARED"


async def build_template(server: Server, name: str, pairs: int, clients: int) -> None:
    """A migrated database with the bench book and its accounts, to clone from."""
    await admin_sql(server, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    engine = create_engine(server.url(name))
    try:
        await migrate.upgrade(engine)
        ledger = Ledger(Database(engine))
        await ledger.create_book(BOOK, "benchmark fund")
        codes = [c for i in range(pairs) for c in pair_codes(i)]
        codes += [c for i in range(clients) for c in client_codes(i)]
        codes.append(SHARED_SOURCE)
        # Accounts are opened through the service, a few at a time in parallel.
        sem = asyncio.Semaphore(4)

        async def open_one(code: str) -> None:
            debit_side = code.startswith(("D", "XD"))
            spec = AccountSpec(
                book=BOOK,
                code=code,
                name=f"bench {code}",
                type=AccountType.EXPENSE if debit_side else AccountType.NET_ASSETS,
                currency=CURRENCY,
                opened_on=DAY,
            )  # no balance flags: credits may run the balance negative
            async with sem:
                await ledger.open_account(spec)

        await asyncio.gather(*(open_one(code) for code in codes))
    finally:
        await engine.dispose()


async def clone(server: Server, template: str, name: str) -> str:
    await admin_sql(
        server, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name} TEMPLATE {template}"
    )
    return name


# -- (a) bulk: post_many vs executemany -----------------------------------------


def bulk_specs(entries: int, pairs: int, tag: str) -> list[EntrySpec]:
    specs = []
    for i in range(entries):
        debit, credit = pair_codes(i % pairs)
        specs.append(transfer(f"{tag}-{i}", debit, credit, 100 + i % 9_900, f"bulk {i}"))
    return specs


async def bench_bulk(
    server: Server, template: str, entries: int, pairs: int, rounds: int, *, ceiling: bool
) -> None:
    specs = bulk_specs(entries, pairs, "bulk")
    elapsed_ledger = float("inf")
    database = ""
    for _ in range(rounds):  # best of N on fresh clones, like the baseline
        database = await clone(server, template, "bench_bulk")
        await checkpoint(server.dsn(database))
        engine = create_engine(server.url(database))
        try:
            ledger = Ledger(Database(engine))
            started = time.perf_counter()
            posted = await ledger.post_many(specs)
            elapsed_ledger = min(elapsed_ledger, time.perf_counter() - started)
            assert len(posted) == entries
            del posted
        finally:
            await engine.dispose()

    conn = await asyncpg.connect(server.dsn(database))
    try:
        rows = await conn.fetch(
            "SELECT entry_id, account_id, currency, amount, account_seq, balance_after, "
            "prev_hash FROM ledger_postings ORDER BY id"
        )
        records = [tuple(r) for r in rows]
        assert len(records) == 2 * entries
        await conn.execute(f"CREATE TABLE bench_raw_bulk ({RAW_COLUMNS})")
        del rows
    finally:
        await conn.close()
    elapsed_raw = float("inf")
    for _ in range(rounds):  # best of several
        await checkpoint(server.dsn(database))
        conn = await asyncpg.connect(server.dsn(database))
        try:
            await conn.execute("TRUNCATE bench_raw_bulk")
            started = time.perf_counter()
            async with conn.transaction():
                await conn.executemany(RAW_INSERT_ONE.format(table="bench_raw_bulk"), records)
            elapsed_raw = min(elapsed_raw, time.perf_counter() - started)
        finally:
            await conn.close()
    elapsed_db = float("inf")
    if ceiling:
        source = await asyncpg.connect(server.dsn(database))
        try:
            entry_rows = [
                tuple(r)
                for r in await source.fetch(
                    f"SELECT {', '.join(sealing.ENTRY_COLUMNS)} FROM ledger_entries ORDER BY id"
                )
            ]
        finally:
            await source.close()
        for _ in range(rounds):
            elapsed_db = min(
                elapsed_db, await copy_into_clone(server, template, records, entry_rows)
            )
    note(
        phase="bulk",
        entries=entries,
        account_pairs=pairs,
        ledger_seconds=round(elapsed_ledger, 3),
        raw_seconds=round(elapsed_raw, 3),
        ledger_entries_per_s=round(entries / elapsed_ledger, 1),
    )
    emit(
        "ledger_post_many",
        2 * entries / elapsed_ledger,
        "postings/s",
        len(records) / elapsed_raw,
    )
    if ceiling:
        emit(
            "ledger_post_many_db_only",
            len(records) / elapsed_db,
            "postings/s",
            len(records) / elapsed_raw,
        )


async def copy_into_clone(
    server: Server,
    template: str,
    postings: Sequence[tuple[Any, ...]],
    entry_rows: Sequence[tuple[Any, ...]],
) -> float:
    """The database's share of a bulk post, without Python: the rows a post_many
    wrote, COPYed into a fresh clone (postings, then entries, every guard on) in one
    transaction, in the store's chunk size; seconds from BEGIN to COMMIT."""
    database = await clone(server, template, "bench_db_only")
    await checkpoint(server.dsn(database))
    conn = await asyncpg.connect(server.dsn(database))
    try:
        started = time.perf_counter()
        async with conn.transaction():
            for table, columns, rows in (
                ("ledger_postings", sealing.POSTING_COLUMNS, postings),
                ("ledger_entries", sealing.ENTRY_COLUMNS, entry_rows),
            ):
                chunk = ledger_store._PG_CHUNK
                for start in range(0, len(rows), chunk):
                    await conn.copy_records_to_table(
                        table, records=rows[start : start + chunk], columns=columns
                    )
        return time.perf_counter() - started
    finally:
        await conn.close()


# -- (b) concurrency: Ledger.post vs raw transactions ---------------------------


async def run_clients(clients: int, seconds: float, client: Any, label: str = "") -> float:
    """Run ``client(index, deadline)`` coroutines (each returning a count); rate/s."""
    deadline = time.perf_counter() + seconds
    started, cpu = time.perf_counter(), time.process_time()
    counts = await asyncio.gather(*(client(i, deadline) for i in range(clients)))
    elapsed = time.perf_counter() - started
    if label:
        # Share of one core the benchmark's own (single-threaded) Python used:
        # near 1.0 means the client side, not PostgreSQL, is the limit.
        note(
            run=label,
            clients=clients,
            done=sum(counts),
            seconds=round(elapsed, 3),
            python_cpu_share=round((time.process_time() - cpu) / elapsed, 2),
        )
    return float(sum(counts)) / elapsed


async def bench_concurrent_ledger(
    server: Server, database: str, clients: int, seconds: float, *, shared: bool
) -> float:
    engine = create_engine(server.url(database), pool_size=clients)
    ledger = Ledger(Database(engine))
    serial = itertools.count()
    tag = "shared" if shared else "disjoint"

    def spec(index: int) -> EntrySpec:
        debit, credit = client_codes(index)
        if shared:
            credit = SHARED_SOURCE
        n = next(serial)
        return transfer(f"{tag}-{n}", debit, credit, 100 + n % 9_900, f"client {index}")

    async def client(index: int, deadline: float) -> int:
        done = 0
        while time.perf_counter() < deadline:
            await ledger.post(spec(index))
            done += 1
        return done

    try:
        await run_clients(clients, 1.0, client)  # warm-up: connections, statement caches
        await checkpoint(server.dsn(database))
        return await run_clients(clients, seconds, client, f"ledger {tag}")
    finally:
        await engine.dispose()


async def bench_concurrent_raw(
    server: Server, database: str, clients: int, seconds: float
) -> float:
    admin = await asyncpg.connect(server.dsn(database))
    await admin.execute(f"CREATE TABLE bench_raw_tx ({RAW_COLUMNS})")
    await admin.close()
    conns = [await asyncpg.connect(server.dsn(database)) for _ in range(clients)]
    statement = RAW_INSERT_TWO.format(table="bench_raw_tx")
    serial = itertools.count(1)
    prev_hash = "ab" * 32

    async def client(index: int, deadline: float) -> int:
        conn = conns[index]
        done = 0
        seq = 0
        while time.perf_counter() < deadline:
            entry_id = next(serial)
            seq += 1
            fen = 100 + entry_id % 9_900
            async with conn.transaction():
                await conn.execute(
                    statement,
                    *(entry_id, 2 * index + 1, CURRENCY, fen, seq, seq * fen, prev_hash),
                    *(entry_id, 2 * index + 2, CURRENCY, -fen, seq, -seq * fen, prev_hash),
                )
            done += 1
        return done

    try:
        await run_clients(clients, 1.0, client)
        await checkpoint(server.dsn(database))
        return await run_clients(clients, seconds, client, "raw")
    finally:
        for conn in conns:
            await conn.close()


async def bench_concurrent_db_only(
    server: Server, database: str, clients: int, seconds: float
) -> float:
    """The database's share of a single post, without the service: raw asyncpg
    clients calling ``ledger_post_batch`` with one entry (every guard on) with arguments
    built in a few lines; the entries it writes are real and verifiable."""
    conns = [await asyncpg.connect(server.dsn(database)) for _ in range(clients)]
    serial = itertools.count()
    booked = datetime.now(UTC)
    payload = "0" * 64

    async def client(index: int, deadline: float) -> int:
        conn = conns[index]
        debit, credit = client_codes(index)
        done = 0
        while time.perf_counter() < deadline:
            key = f"db-only-{next(serial)}"
            fragments = hashing.seal_fragments(
                effective_date=DAY,
                booked_at=booked,
                description="db only",
                metadata={},
                idempotency_key=key,
                actor="bench",
                reverses=None,
            )
            rows = await conn.fetch(
                onecall.POST_SQL,
                [key],
                [payload],
                [BOOK],
                [DAY],
                ["db only"],
                ["{}"],
                ["bench"],
                [None],
                [2],
                list(fragments or ()),
                [BOOK, BOOK],
                [debit, credit],
                [CURRENCY, CURRENCY],
                [100, -100],
                booked,
            )
            assert rows[0]["r_status"] == ["posted"], rows[0]["r_status"]
            done += 1
        return done

    try:
        await run_clients(clients, 1.0, client)
        await checkpoint(server.dsn(database))
        return await run_clients(clients, seconds, client, "db only")
    finally:
        for conn in conns:
            await conn.close()


async def bench_concurrency(
    server: Server, template: str, clients: int, seconds: float, rounds: int, *, ceiling: bool
) -> None:
    """Alternate raw / disjoint / shared runs, each on a fresh clone; keep the best of
    ``rounds`` for each, so a burst of outside load on a shared machine hurts less."""
    best: dict[str, float] = defaultdict(float)
    for _ in range(rounds):
        raw_db = await clone(server, template, "bench_conc_raw")
        best["raw"] = max(best["raw"], await bench_concurrent_raw(server, raw_db, clients, seconds))
        for kind in ("disjoint", "shared"):
            db = await clone(server, template, f"bench_conc_{kind}")
            rate = await bench_concurrent_ledger(
                server, db, clients, seconds, shared=kind == "shared"
            )
            best[kind] = max(best[kind], rate)
        if ceiling:
            db = await clone(server, template, "bench_conc_db_only")
            best["db_only"] = max(
                best["db_only"], await bench_concurrent_db_only(server, db, clients, seconds)
            )
    note(phase="concurrency", clients=clients, seconds=seconds, rounds=rounds)
    emit("ledger_post_concurrent_disjoint", best["disjoint"], "entries/s", best["raw"])
    emit("ledger_post_concurrent_shared_source", best["shared"], "entries/s", best["raw"])
    if ceiling:
        emit("ledger_post_concurrent_db_only", best["db_only"], "entries/s", best["raw"])


# -- --breakdown: where the time of one post_many goes ---------------------------


@contextlib.asynccontextmanager
async def instrumented(phases: dict[str, float]) -> AsyncIterator[None]:
    """Time LedgerStore's steps by patching them for the duration (no file is edited)."""
    store_cls = ledger_store.LedgerStore
    originals: dict[str, Any] = {}

    def timed_method(name: str, label: str) -> None:
        original = getattr(store_cls, name)
        originals[name] = original

        async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(self, *args, **kwargs)
            finally:
                phases[label] += time.perf_counter() - started

        setattr(store_cls, name, wrapper)

    timed_method("_pg_snapshot", "sql snapshot: keys, books, accounts, locks, ids (1 stmt)")
    timed_method("_pg_stream", "sealing + COPY, overlapped (postings, then entries)")
    timed_method("_pg_write", "sql set-based inserts (postings, then entries)")
    timed_method("entries_by_id", "reload of replayed entries (sql + objects)")
    timed_method("_write", "_write total")
    original_prepare = ledger_store.prepare
    original_hash = hashing.entry_hash

    def prepare(spec: EntrySpec) -> Any:
        started = time.perf_counter()
        try:
            return original_prepare(spec)
        finally:
            phases["python validate + payload hash"] += time.perf_counter() - started

    def entry_hash(**kwargs: Any) -> str:
        started = time.perf_counter()
        try:
            return original_hash(**kwargs)
        finally:
            phases["python entry hash"] += time.perf_counter() - started

    ledger_store.prepare = prepare
    hashing.entry_hash = entry_hash
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(store_cls, name, original)
        ledger_store.prepare = original_prepare
        hashing.entry_hash = original_hash
        assert ledger_service.LedgerStore is store_cls  # type: ignore[attr-defined]


async def timed_post_many(
    server: Server, database: str, specs: Sequence[EntrySpec], *, triggers: bool
) -> dict[str, float]:
    dsn = server.dsn(database)
    if not triggers:
        conn = await asyncpg.connect(dsn)
        await conn.execute(
            "ALTER TABLE ledger_postings DISABLE TRIGGER ledger_postings_inserted;"
            "ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_inserted"
        )
        await conn.close()
    await checkpoint(dsn)
    phases: dict[str, float] = defaultdict(float)
    engine = create_engine(server.url(database))
    # Phases one after the other, so they add up: post_many's early lock call
    # (which runs during validation from _STREAM_MIN entries) is off here.
    early_lock_min = ledger_store._STREAM_MIN
    ledger_store._STREAM_MIN = len(specs) + 1
    try:
        ledger = Ledger(Database(engine))
        async with instrumented(phases):
            started = time.perf_counter()
            await ledger.post_many(specs)
            phases["post_many total"] = time.perf_counter() - started
    finally:
        ledger_store._STREAM_MIN = early_lock_min
        await engine.dispose()
    # What _write does besides its timed sub-steps: the checks and, for small
    # batches, sealing (rows and the returned JournalEntry objects); large
    # batches seal inside the COPY stream, overlapped with it.
    streamed = phases["sealing + COPY, overlapped (postings, then entries)"]
    phases["python checks (+ sealing unless streamed) (rest of _write)"] = (
        phases["_write total"]
        - (0.0 if streamed else phases["python entry hash"])
        - phases["sql set-based inserts (postings, then entries)"]
        - streamed
    )
    phases["begin + commit (deferred FK checks) + pool + rest"] = phases["post_many total"] - (
        phases["_write total"]
        + phases["python validate + payload hash"]
        + phases["sql snapshot: keys, books, accounts, locks, ids (1 stmt)"]
        + phases["reload of replayed entries (sql + objects)"]
    )
    return dict(phases)


async def set_based_insert(server: Server, source_db: str, target_db: str) -> dict[str, float]:
    """Insert the postings and entries ``source_db`` holds into ``target_db`` with one
    ``INSERT … SELECT FROM unnest(…)`` statement each (triggers on, same transaction)."""
    src = await asyncpg.connect(server.dsn(source_db))
    try:
        postings = await src.fetch(
            "SELECT entry_id, account_id, currency, amount, account_seq, balance_after, "
            "prev_hash FROM ledger_postings ORDER BY id"
        )
        entries = await src.fetch(
            "SELECT id, book_id, effective_date, booked_at, description, metadata::text, "
            "idempotency_key, payload_hash, actor, entry_hash FROM ledger_entries ORDER BY id"
        )
    finally:
        await src.close()
    posting_columns = [list(col) for col in zip(*postings, strict=True)]
    entry_columns = [list(col) for col in zip(*entries, strict=True)]
    await checkpoint(server.dsn(target_db))
    conn = await asyncpg.connect(server.dsn(target_db))
    phases: dict[str, float] = {}
    try:
        started = time.perf_counter()
        tx = conn.transaction()
        await tx.start()
        await conn.execute(
            "INSERT INTO ledger_postings (entry_id, account_id, currency, amount, account_seq, "
            "balance_after, prev_hash) SELECT * FROM unnest($1::bigint[], $2::bigint[], "
            "$3::varchar[], $4::bigint[], $5::bigint[], $6::bigint[], $7::varchar[])",
            *posting_columns,
        )
        phases["set-based insert ledger_postings"] = time.perf_counter() - started
        mark = time.perf_counter()
        await conn.execute(
            "INSERT INTO ledger_entries (id, book_id, effective_date, booked_at, description, "
            "metadata, idempotency_key, payload_hash, actor, entry_hash) SELECT id, b, d, t, "
            "x, m::json, k, p, a, h FROM unnest($1::bigint[], $2::bigint[], $3::date[], "
            "$4::timestamptz[], $5::text[], $6::text[], $7::varchar[], $8::varchar[], "
            "$9::varchar[], $10::varchar[]) AS u(id, b, d, t, x, m, k, p, a, h)",
            *entry_columns,
        )
        phases["set-based insert ledger_entries"] = time.perf_counter() - mark
        mark = time.perf_counter()
        await tx.commit()
        phases["set-based commit (deferred FK checks)"] = time.perf_counter() - mark
        phases["set-based total"] = time.perf_counter() - started
    finally:
        await conn.close()
    return phases


async def bench_breakdown(server: Server, template: str, entries: int, pairs: int) -> None:
    specs = bulk_specs(entries, pairs, "bulk")
    for triggers in (True, False):
        db = await clone(server, template, f"bench_breakdown_{'on' if triggers else 'off'}")
        phases = await timed_post_many(server, db, specs, triggers=triggers)
        for label, seconds in sorted(phases.items(), key=lambda kv: -kv[1]):
            note(
                breakdown="triggers on" if triggers else "triggers off",
                phase=label,
                seconds=round(seconds, 3),
            )
    target = await clone(server, template, "bench_breakdown_setbased")
    for label, seconds in (await set_based_insert(server, "bench_breakdown_on", target)).items():
        note(breakdown="set-based, triggers on", phase=label, seconds=round(seconds, 3))


# -- main ------------------------------------------------------------------------


async def run(args: argparse.Namespace, server: Server) -> None:
    template = "bench_template"
    started = time.perf_counter()
    await build_template(server, template, args.pairs, args.clients)
    note(
        phase="setup",
        accounts=2 * args.pairs + 2 * args.clients + 1,
        seconds=round(time.perf_counter() - started, 3),
    )
    created = [
        "bench_bulk",
        "bench_db_only",
        "bench_conc_raw",
        "bench_conc_disjoint",
        "bench_conc_shared",
        "bench_conc_db_only",
    ]
    try:
        if not args.skip_bulk:
            await bench_bulk(
                server,
                template,
                args.entries,
                args.pairs,
                args.rounds,
                ceiling=args.ceiling,
            )
        if not args.skip_concurrency:
            await bench_concurrency(
                server, template, args.clients, args.seconds, args.rounds, ceiling=args.ceiling
            )
        if args.breakdown:
            created += ["bench_breakdown_on", "bench_breakdown_off", "bench_breakdown_setbased"]
            await bench_breakdown(
                server, template, args.breakdown_entries or args.entries, args.pairs
            )
    finally:
        await admin_sql(
            server, *(f"DROP DATABASE IF EXISTS {name}" for name in [*created, template])
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="postgresql+asyncpg://… of an existing server")
    parser.add_argument("--entries", type=int, default=100_000, help="entries for post_many")
    parser.add_argument("--pairs", type=int, default=1_000, help="account pairs for post_many")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="per concurrency run")
    parser.add_argument("--rounds", type=int, default=2, help="best of N (every figure)")
    parser.add_argument("--durable", action="store_true", help="own server with fsync on")
    parser.add_argument("--breakdown", action="store_true", help="time post_many's phases")
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="also measure the database alone (no Python service): *_db_only lines",
    )
    parser.add_argument("--breakdown-entries", type=int, default=0)
    parser.add_argument("--skip-bulk", action="store_true")
    parser.add_argument("--skip-concurrency", action="store_true")
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
