"""Large statement files: linear time, bounded memory, and a server that keeps answering.

The sizes are kept small enough for the suite; bench/reconcile_bench.py measures
the issue's 200,000-line file (figures in docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from datetime import date
from decimal import Decimal
from typing import Any

from recon_builders import LARGE_ACCOUNT, large_mt940, mt940_statement
from recon_db import register_bank, service

from riskpool.reconciliation.integrity import prove_file
from riskpool.reconciliation.parsers import parse_bytes
from riskpool.reconciliation.parsers.mt940 import parse_mt940


def _cpu_seconds(data: bytes) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        prove_file(parse_mt940(data))
        best = min(best, time.process_time() - started)
    return best


def test_mt940_parsing_grows_linearly_with_the_file() -> None:
    """8× the lines may cost at most 16× the time; the quadratic parse cost ~64×."""
    small, large = large_mt940(5_000), large_mt940(40_000)
    ratio = _cpu_seconds(large) / _cpu_seconds(small)
    assert ratio < 16, f"40,000 lines took {ratio:.1f}× the time of 5,000"


def test_a_large_statement_keeps_every_line_and_proves() -> None:
    data = large_mt940(30_000)
    parsed = parse_bytes(data)
    prove_file(parsed)
    (statement,) = parsed.statements
    assert len(statement.lines) == (30_000 - 6) // 3
    last = statement.lines[-1]
    assert last.raw.startswith(":61:") and "/EREF/" in last.raw
    assert last.source_line == 5 + 3 * (len(statement.lines) - 1) + 1


async def test_import_peak_memory_is_at_most_five_times_the_file(database: Any) -> None:
    recon = await service(database.db)
    await register_bank(recon, LARGE_ACCOUNT)
    await register_bank(recon, "41050100000000000009")
    warm_up = mt940_statement(  # loads what an import loads once (modules, caches)
        reference="W",
        account="41050100000000000009",
        number="1/1",
        opening=Decimal("1.00"),
        opening_day=date(2025, 1, 1),
        lines=[],
    ).encode()
    await recon.import_file("alice", warm_up, filename="warm-up.sta")
    data = large_mt940(60_000)
    tracemalloc.start()
    try:
        result = await recon.import_file("alice", data, filename="large.sta")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.lines_added == (60_000 - 6) // 3
    assert peak <= 5 * len(data), f"peak {peak / len(data):.2f}× the file"


async def test_the_server_keeps_answering_while_a_large_file_imports(database: Any) -> None:
    """A /healthz-like ping every 50 ms is answered within a second throughout."""
    recon = await service(database.db)
    await register_bank(recon, LARGE_ACCOUNT)
    data = large_mt940(100_000)
    gaps: list[float] = []
    done = asyncio.Event()

    async def ping() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.05)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    pinger = asyncio.create_task(ping())
    try:
        result = await recon.import_file("alice", data, filename="large.sta")
    finally:
        done.set()
        await pinger
    assert result.lines_added == (100_000 - 6) // 3
    assert len(gaps) > 10, "the import was too quick to show anything"
    assert max(gaps) < 1.0, f"the loop stalled for {max(gaps):.2f} s"


async def test_a_held_file_is_recognised_by_its_hash_without_parsing(
    database: Any, monkeypatch: Any
) -> None:
    recon = await service(database.db)
    await register_bank(recon, LARGE_ACCOUNT)
    data = large_mt940(3_000)
    first = await recon.import_file("alice", data, filename="a.sta")

    def no_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a held file was parsed again")

    monkeypatch.setattr("riskpool.reconciliation.service.parse_bytes", no_parse)
    again = await recon.import_file("bob", data, filename="b.sta")
    assert again.already_imported and again.file_id == first.file_id
    assert (again.lines_added, again.lines_known) == (0, first.lines_added)
