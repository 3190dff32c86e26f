"""Beancount export throughput, against a plain f-string writer of the same postings.

Run::

    .venv/bin/python bench/export_bench.py                     # 1,000,000 postings
    .venv/bin/python bench/export_bench.py --postings 100000   # quick
    .venv/bin/python bench/export_bench.py --db-postings 200000  # also end to end from SQLite

It prints one JSON object a line::

    {"name": ..., "value": ..., "unit": ..., "baseline": ..., "ratio": ...}

What is measured (``ratio = value / baseline``):

``export_write``
    The export's writing phase: ``--postings`` postings (two-posting journal
    entries with the export's full metadata — ids, key, hash, booked-at,
    actor, claim/loan/institution ids and contract numbers on half of them —
    per-posting chain metadata, and the pool's Chinese account names under
    their parents) turned from the ledger's own ``JournalEntry`` records into
    beancount ``Transaction`` directives by ``BeancountBuilder.transaction``
    and printed by ``ExportPrinter`` (beancount's printer with byte-identical
    fast paths) through ``DirectiveWriter`` into a file, in postings/s. The
    records are generated in memory first and not timed (then
    ``gc.freeze()``-d). Baseline: a plain f-string write of the same postings
    (date, narration, account, amount; no metadata) into a file, in the same
    process.
``export_write_gc_paused``
    The same with Python's cycle collector paused during the write
    (``write_beancount(..., pause_gc=True)``, what the CLI does); same
    baseline.
``export_write_stock_printer``
    The same phase with beancount's stock ``EntryPrinter`` (on the first
    ``--stock-postings`` postings), to show what the fast paths buy; same
    baseline.
``beancount_load``
    ``beancount.loader.load_file`` on the exported file (parse, booking,
    plugins, validation, balance assertions — what ``bean-check`` does), in
    seconds; baseline: the writing phase's seconds, so the ratio says how many
    times longer checking takes than writing.
``export_end_to_end_sqlite`` (with ``--db-postings``)
    ``write_beancount`` from a SQLite database populated with
    ``Ledger.post_many`` (batches of 5,000 entries; not timed): snapshot,
    trial balance, streamed query, build and print, in postings/s; baseline:
    the in-memory writing phase's postings/s.

Times are **CPU seconds of this process** (``time.process_time``) by
default, so that other work on a shared machine does not distort them; pass
``--wall`` for wall-clock seconds. Every phase is single-threaded.

This is not a test: nothing asserts a target.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount import loader
from beancount.parser import printer
from moneyed import Money

from riskpool import migrate
from riskpool.db import Database
from riskpool.export.builder import BeancountBuilder, FilePlan, Period
from riskpool.export.printing import DirectiveWriter
from riskpool.export.service import gc_paused, write_beancount
from riskpool.ledger.model import (
    Account,
    AccountSpec,
    AccountType,
    Book,
    EntrySpec,
    JournalEntry,
    Posting,
    PostingSpec,
    freeze_metadata,
)
from riskpool.ledger.service import Ledger

BOOK = Book(1, "CITY_POOL", "市科技金融风险分担资金池")
D0 = date(2020, 1, 1)
#: The pool's chart, as the export names it: parents with sub-accounts,
#: Chinese names in every account name.
CHART: list[tuple[str, str, AccountType, str | None]] = [
    ("1002", "银行存款", AccountType.ASSET, None),
    ("100201", "银行存款-资金池专户", AccountType.ASSET, "1002"),
    ("1122", "应收代偿追偿款", AccountType.ASSET, None),
    ("2201", "应付风险补偿款", AccountType.LIABILITY, None),
    ("3001", "财政拨入资金", AccountType.NET_ASSETS, None),
    ("300101", "财政拨入资金-财政拨款", AccountType.NET_ASSETS, "3001"),
    ("4101", "利息收入", AccountType.INCOME, None),
    ("5101", "风险补偿支出", AccountType.EXPENSE, None),
]
PAIRS = [("100201", "300101"), ("5101", "2201"), ("2201", "100201"), ("1122", "4101")]


CLOCK = time.process_time


def emit(name: str, value: float, unit: str, baseline: float | None) -> None:
    ratio = round(value / baseline, 3) if baseline else None
    print(
        json.dumps(
            {
                "name": name,
                "value": round(value, 3),
                "unit": unit,
                "baseline": round(baseline, 3) if baseline is not None else None,
                "ratio": ratio,
            }
        ),
        flush=True,
    )


def accounts() -> list[Account]:
    return [
        Account(i, BOOK.code, code, name, kind, "CNY", D0, None, parent, False, False)
        for i, (code, name, kind, parent) in enumerate(CHART, start=1)
    ]


def generate(count: int) -> list[JournalEntry]:
    """``count`` two-posting entries, a new day every 500 entries."""
    booked = datetime(2025, 6, 30, 8, 0, tzinfo=UTC)
    ids = {a.code: a.id for a in accounts()}
    result = []
    for n in range(1, count + 1):
        debit, credit = PAIRS[n % len(PAIRS)]
        units = Decimal(n % 9_999_999 + 1).scaleb(-2)
        metadata: dict[str, Any] = (
            {
                "claim_id": n // 3,
                "loan_id": n // 3,
                "contract_no": f"ZKD2-2025-{n // 3:07d}",
                "institution_id": 7,
            }
            if n % 2
            else {}
        )
        digest = f"{n:064x}"
        result.append(
            JournalEntry(
                id=n,
                book=BOOK.code,
                effective_date=D0 + timedelta(days=n // 500),
                booked_at=booked,
                description=f"代偿补偿 entry {n}",
                metadata=freeze_metadata(metadata),
                idempotency_key=f"bench-{n}",
                actor="bench",
                reverses=None,
                entry_hash=digest,
                postings=(
                    Posting(
                        n, ids[debit], debit, Money(units, "CNY"), n, Money(units, "CNY"), digest
                    ),
                    Posting(
                        n,
                        ids[credit],
                        credit,
                        Money(-units, "CNY"),
                        n,
                        Money(-units, "CNY"),
                        digest,
                    ),
                ),
            )
        )
    return result


def write_export(
    entries: list[JournalEntry], path: Path, *, stock: bool, pause_gc: bool = False
) -> float:
    builder = BeancountBuilder(BOOK, accounts())
    plan = FilePlan(builder, Period(), None, None, ())
    started = CLOCK()
    with gc_paused(pause_gc), path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(builder.header(Period()))
        writer = DirectiveWriter(out, builder.context)
        if stock:
            writer._printer = writer._print = printer.EntryPrinter(builder.context)
        writer.write_all(plan.prologue())
        transaction = builder.transaction
        write = writer.write
        for entry in entries:
            write(transaction(entry))
        writer.write_all(plan.epilogue())
    return CLOCK() - started


def write_plain(entries: list[JournalEntry], path: Path) -> float:
    started = CLOCK()
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for entry in entries:
            out.write(f'\n{entry.effective_date} * "{entry.description}"\n')
            for posting in entry.postings:
                out.write(f"  {posting.account}  {posting.amount.amount} CNY\n")
    return CLOCK() - started


async def populate(url: str, count: int) -> None:
    db = Database.from_url(url)
    await migrate.upgrade(db.engine)
    ledger = Ledger(db)
    await ledger.create_book(BOOK.code, BOOK.name)
    for code, name, kind, parent in CHART:
        await ledger.open_account(
            AccountSpec(BOOK.code, code, name, kind, "CNY", D0, parent=parent)
        )
    batch: list[EntrySpec] = []
    for n in range(1, count + 1):
        debit, credit = PAIRS[n % len(PAIRS)]
        units = Money(Decimal(n % 9_999_999 + 1).scaleb(-2), "CNY")
        batch.append(
            EntrySpec(
                BOOK.code,
                D0 + timedelta(days=n // 500),
                f"代偿补偿 entry {n}",
                (PostingSpec(debit, units), PostingSpec(credit, -units)),
                f"bench-{n}",
                "bench",
                {"claim_id": n // 3} if n % 2 else {},
            )
        )
        if len(batch) == 5_000:
            await ledger.post_many(batch)
            batch = []
    if batch:
        await ledger.post_many(batch)
    await db.dispose()


async def export_db(url: str, path: Path) -> tuple[float, int]:
    db = Database.from_url(url)
    started = CLOCK()
    with path.open("w", encoding="utf-8", newline="\n") as out:
        summary = await write_beancount(db, out, BOOK.code, pause_gc=True)
    elapsed = CLOCK() - started
    await db.dispose()
    return elapsed, summary.postings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--stock-postings", type=int, default=200_000)
    parser.add_argument("--db-postings", type=int, default=0)
    parser.add_argument("--no-load", action="store_true", help="skip the loader timing")
    parser.add_argument("--wall", action="store_true", help="wall-clock instead of CPU time")
    args = parser.parse_args()
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter

    entries = generate(args.postings // 2)
    postings = 2 * len(entries)
    # The generated records stand in for rows a real export streams and
    # drops; freezing keeps the cycle collector from rescanning them.
    gc.freeze()
    with tempfile.TemporaryDirectory(prefix="riskpool-export-bench-") as tmp:
        folder = Path(tmp)
        export_path = folder / "export.beancount"
        plain = min(write_plain(entries, folder / "plain.txt") for _ in range(2))
        baseline = postings / plain
        seconds = write_export(entries, export_path, stock=False)
        emit("export_write", postings / seconds, "postings/s", baseline)
        seconds = write_export(entries, export_path, stock=False, pause_gc=True)
        emit("export_write_gc_paused", postings / seconds, "postings/s", baseline)
        print(
            f"# {postings} postings, {export_path.stat().st_size / 1e6:.1f} MB in {seconds:.2f} s",
            file=sys.stderr,
        )
        stock_entries = entries[: args.stock_postings // 2]
        stock_plain = write_plain(stock_entries, folder / "plain-stock.txt")
        stock = write_export(stock_entries, folder / "stock.beancount", stock=True)
        emit(
            "export_write_stock_printer",
            2 * len(stock_entries) / stock,
            "postings/s",
            2 * len(stock_entries) / stock_plain,
        )
        if not args.no_load:
            started = CLOCK()
            _, errors, _ = loader.load_file(str(export_path))
            load_seconds = CLOCK() - started
            if errors:
                raise SystemExit(f"the export did not load cleanly: {len(errors)} errors")
            emit("beancount_load", load_seconds, "s", seconds)
        del entries, stock_entries
        if args.db_postings:
            url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
            asyncio.run(populate(url, args.db_postings // 2))
            elapsed, count = asyncio.run(export_db(url, folder / "db.beancount"))
            emit("export_end_to_end_sqlite", count / elapsed, "postings/s", postings / seconds)


if __name__ == "__main__":
    main()
