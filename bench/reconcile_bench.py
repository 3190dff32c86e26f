"""Matching-engine throughput, each figure against a plain dict-join baseline.

Run::

    .venv/bin/python bench/reconcile_bench.py              # 10k, 100k, 300k, 1M
    .venv/bin/python bench/reconcile_bench.py --sizes 10000 100000

It builds ``n`` statement lines and about ``n`` ledger postings of one account
over a year (seeded, so every run sees the same data): 60 % carry the bank
reference the ledger also holds, 25 % agree only in amount (dates up to two
days apart), 5 % are bank lines that pay out several postings at once (1:N),
and the rest are noise on either side. It then times
:func:`riskpool.reconciliation.matching.match` (the matching phase only — the
inputs are built beforehand) and prints one JSON object a line::

    {"name": ..., "value": ..., "unit": ..., "baseline": ..., "ratio": ...}

``match_seconds_<n>``
    seconds for ``match(lines, items)``; baseline: a plain dict-join of the
    same data by amount in the same process (index postings by amount, pop
    one per line) — the least work any matcher must do; ``ratio`` =
    value / baseline.
``match_cpu_seconds_<n>``
    the same run's CPU time of this process (``time.process_time``), which a
    busy machine distorts less than wall time; baseline likewise.
``match_lines_per_second_<n>``
    lines / second of the same run (baseline likewise).
``match_growth_<n>``
    CPU seconds per 10⁵ lines at ``n`` divided by the same at the smallest size;
    near 1 means linear growth (baseline: 1).
``matched_share_<n>``
    share of lines matched (informative; baseline: the share the generator
    made matchable).

The target of the issue is ``match_seconds_100000`` ≤ 2 s. This is not a test:
nothing asserts it.

**Import** (``--part import``, issue 17): an MT940 file of ``n`` text lines
(one statement; per line of the statement a ``:61:`` and a two-line
structured ``:86:``, SWIFT character set, ≈ 66 bytes a text line: 13.3 MB
at 200,000 lines, the issue's file had 16.6 MB) is imported into a fresh
SQLite database (parse off the event loop, proof, storage), and the same
file is parsed by the bare ``mt-940`` library (``mt940.parse_statements``
with ``Options.all()``) in the same process:

``mt940_parse_seconds_<n>``
    our parse and proof (no database); baseline: the bare library.
``mt940_import_seconds_<n>``
    the whole import into SQLite; baseline: the bare library.
``mt940_import_throughput_ratio_<n>``
    library seconds / import seconds (target ≥ 0.5); baseline: 0.5.
``mt940_parse_throughput_ratio_<n>``
    library seconds / parse seconds; baseline 0.5.
``mt940_import_growth``
    import seconds at the largest size / at the smallest (target ≤ 25 for
    10,000 → 200,000 lines, i.e. 20× the lines); baseline: the ratio of sizes.
``mt940_import_peak_memory_ratio_<n>`` / ``csv_import_peak_memory_ratio_<n>``
    the import's peak traced allocation (tracemalloc, the uploaded bytes not
    counted) / file size (target ≤ 5); baseline 5. The CSV is a 招商银行
    export of ``n / 2`` rows (about the MT940 file's size).

Times are CPU seconds of the process (every thread: the parse runs in a
worker thread, the SQLite driver in its own), best of ``--rounds``. Each
import runs after a small warm-up import (of another account) into the same
database, so one-time costs of the process are not counted as the file's.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import random
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from datetime import date, timedelta

import mt940
import structlog

from riskpool.reconciliation.integrity import prove_file
from riskpool.reconciliation.matching import LedgerItem, match
from riskpool.reconciliation.model import StatementLine
from riskpool.reconciliation.parsers import parse_bytes

ACCOUNT = "CN0001000200030004"
START = date(2025, 1, 1)
SHA = "0" * 64


def _line(key: int, day: date, amount: int, reference: str | None, party: str) -> StatementLine:
    return StatementLine(
        account=ACCOUNT,
        currency="CNY",
        booking_date=day,
        value_date=day,
        amount_minor=amount,
        bank_reference=reference,
        end_to_end_id=None,
        counterparty_name=party,
        counterparty_account=None,
        purpose="",
        running_balance_minor=None,
        is_reversal=False,
        transaction_code=None,
        raw="",
        source_sha256=SHA,
        source_line=key,
        dedup_key=f"{ACCOUNT}|b|{key}",
    )


def synthetic(n: int, seed: int = 7) -> tuple[list[StatementLine], list[LedgerItem], int]:
    """``n`` lines, about ``n`` postings, and how many lines were made matchable."""
    rng = random.Random(seed)
    lines: list[StatementLine] = []
    items: list[LedgerItem] = []
    matchable = 0
    seq = 0

    def item(day: date, amount: int, reference: str | None, party: str) -> None:
        nonlocal seq
        seq += 1
        items.append(LedgerItem(seq, seq, day, amount, "CNY", reference, party, ""))

    for k in range(n):
        day = START + timedelta(days=rng.randrange(365))
        amount = rng.randrange(1, 10_000_000) * rng.choice((1, -1))
        party = f"企业{rng.randrange(5000)}"
        kind = rng.random()
        if kind < 0.60:
            reference = f"B{k:09d}"
            lines.append(_line(k, day, amount, reference, party))
            item(day + timedelta(days=rng.randrange(2)), amount, reference, party)
            matchable += 1
        elif kind < 0.85:
            lines.append(_line(k, day, amount, None, party))
            item(day + timedelta(days=rng.randrange(3)), amount, None, party)
            matchable += 1
        elif kind < 0.90:
            parts = [abs(amount) // 3, abs(amount) // 3]
            parts.append(abs(amount) - sum(parts))
            sign = 1 if amount > 0 else -1
            lines.append(_line(k, day, amount, None, party))
            for part in parts:
                item(day, sign * part, None, party)
            matchable += 1
        elif kind < 0.95:
            lines.append(_line(k, day, amount, None, party))  # bank only
        else:
            lines.append(_line(k, day, amount + 1, None, party))  # bank only
            item(day, amount, None, f"机构{k}")  # ledger only
    rng.shuffle(lines)
    rng.shuffle(items)
    return lines, items, matchable


def dict_join(lines: Sequence[StatementLine], items: Sequence[LedgerItem]) -> int:
    """The baseline: index postings by amount, pop one per line."""
    index: dict[int, list[LedgerItem]] = {}
    for posting in items:
        index.setdefault(posting.amount_minor, []).append(posting)
    joined = 0
    for line in lines:
        bucket = index.get(line.amount_minor)
        if bucket:
            bucket.pop()
            joined += 1
    return joined


def _timed(fn: object, *args: object) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one call."""
    gc.collect()
    gc.disable()
    try:
        started, started_cpu = time.perf_counter(), time.process_time()
        fn(*args)  # type: ignore[operator]
        return time.perf_counter() - started, time.process_time() - started_cpu
    finally:
        gc.enable()


def emit(name: str, value: float, unit: str, baseline: float) -> None:
    ratio = value / baseline if baseline else None
    print(
        json.dumps(
            {
                "name": name,
                "value": round(value, 4),
                "unit": unit,
                "baseline": round(baseline, 4),
                "ratio": round(ratio, 3) if ratio is not None else None,
            }
        ),
        flush=True,
    )


def large_mt940(text_lines: int, account: str = "0200001234567890") -> bytes:
    """One statement of about ``text_lines`` lines (kept in step with the test
    suite's ``recon_builders.large_mt940``; benchmarks do not import tests)."""
    count = max(1, (text_lines - 6) // 3)
    out = [
        "{1:F01ICBKCNBJAXXX0000000000}{2:I940ICBKCNBJXXXXN}{4:",
        ":20:BULK0001",
        f":25:{account}",
        ":28C:1/1",
        ":60F:C250101CNY1000000,00",
    ]
    total = 1_000_000_00
    day = date(2025, 1, 2)
    for k in range(count):
        if k and k % 400 == 0:
            day += timedelta(days=1)
        amount = (k * 7919) % 900_000 + 100
        credit = k % 3 != 0
        total += amount if credit else -amount
        out.append(
            f":61:{day:%y%m%d}{day:%m%d}{'C' if credit else 'D'}{amount // 100},{amount % 100:02d}"
            f"NTRFE2E{k:09d}//B{k:012d}"
        )
        out.append(
            f":86:/NAME/ZHENGZHOU KEJI YOUXIAN GONGSI {k % 997:03d}/ACCT/62220000{k:08d}/PURP/CBFF"
        )
        out.append(f"/REMI/FENGXIAN BUCHANGJIN {k:07d} HT ZZ-2025-{k % 9973:05d}/EREF/E2E{k:09d}")
    mark = "C" if total >= 0 else "D"
    out.append(f":62F:{mark}{day:%y%m%d}CNY{abs(total) // 100},{abs(total) % 100:02d}")
    out.append("-}")
    return ("\n".join(out) + "\n").encode("utf-8")


def large_cmb_csv(rows: int) -> bytes:
    """A 招商银行 (cmb layout) export of ``rows`` rows, GB18030, oldest first."""
    out = [
        "招商银行账务明细",
        "账号：,755912345610001",
        "币种：,人民币",
        "交易日,交易时间,起息日,交易类型,借方金额,贷方金额,余额,摘要,流水号,收(付)方名称,收(付)方帐号,用途",
    ]
    balance = 1_000_000_00
    day = date(2025, 1, 2)
    for k in range(rows):
        if k and k % 400 == 0:
            day += timedelta(days=1)
        amount = (k * 7919) % 900_000 + 100
        credit = k % 3 != 0
        balance += amount if credit else -amount
        money = f"{amount // 100}.{amount % 100:02d}"
        debit_cell, credit_cell = ("", money) if credit else (money, "")
        out.append(
            f"{day:%Y%m%d},10:{k % 60:02d}:00,{day:%Y%m%d},转账,{debit_cell},{credit_cell},"
            f"{balance // 100}.{balance % 100:02d},代偿支付,CMB{k:012d},"
            f"郑州某科技有限公司第{k % 997:03d}分公司,62220000{k:08d},风险补偿金 第{k:07d}号"
        )
    return ("\n".join(out) + "\n").encode("gb18030")


async def _import_once(data: bytes, filename: str, memory: bool) -> tuple[float, float, int]:
    """(wall s, CPU s, peak traced bytes or 0) of one import into a fresh SQLite file."""
    from riskpool import migrate
    from riskpool.db import Database, create_engine
    from riskpool.reconciliation.service import ReconciliationService

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        engine = create_engine(url)
        await migrate.upgrade(engine)
        await engine.dispose()
        db = Database.from_url(url)
        service = ReconciliationService(db)
        # One small import first, of another account: what a process loads and
        # compiles once (modules, SQLAlchemy's statement cache) is not the file's cost.
        await service.import_file(
            "bench", large_mt940(12, account="0200009999999999"), filename="warm-up.sta"
        )
        gc.collect()
        if memory:
            tracemalloc.start()
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            await service.import_file("bench", data, filename=filename)
            wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
            peak = tracemalloc.get_traced_memory()[1] if memory else 0
        finally:
            if memory:
                tracemalloc.stop()
            await db.dispose()
    return wall, cpu, peak


def _library_parse(data: bytes) -> None:
    mt940.parse_statements(data.decode("utf-8"), options=mt940.Options.all())


def _our_parse(data: bytes) -> None:
    prove_file(parse_bytes(data))


def import_bench(sizes: Sequence[int], rounds: int) -> None:
    """The import figures of the module docstring."""
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    import_cpu: dict[int, float] = {}
    for n in sizes:
        data = large_mt940(n)
        library = min(_timed(_library_parse, data)[1] for _ in range(rounds))
        parse = min(_timed(_our_parse, data)[1] for _ in range(rounds))
        imported = min(
            asyncio.run(_import_once(data, "bench.sta", memory=False))[1] for _ in range(rounds)
        )
        import_cpu[n] = imported
        emit(f"mt940_parse_seconds_{n}", parse, "s", library)
        emit(f"mt940_import_seconds_{n}", imported, "s", library)
        emit(f"mt940_parse_throughput_ratio_{n}", library / parse, "x", 0.5)
        emit(f"mt940_import_throughput_ratio_{n}", library / imported, "x", 0.5)
        peak = asyncio.run(_import_once(data, "bench.sta", memory=True))[2]
        emit(f"mt940_import_peak_memory_ratio_{n}", peak / len(data), "x", 5.0)
        emit(f"mt940_file_megabytes_{n}", len(data) / 1e6, "MB", len(data) / 1e6)
        csv_data = large_cmb_csv(n // 2)  # about the MT940 file's size
        peak = asyncio.run(_import_once(csv_data, "bench.csv", memory=True))[2]
        emit(f"csv_import_peak_memory_ratio_{n}", peak / len(csv_data), "x", 5.0)
        del data, csv_data
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        emit("mt940_import_growth", import_cpu[large] / import_cpu[small], "x", large / small)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 100_000, 300_000, 1_000_000]
    )
    parser.add_argument("--rounds", type=int, default=3, help="best of this many (1 above 300k)")
    parser.add_argument("--part", choices=("match", "import", "all"), default="all")
    parser.add_argument("--import-sizes", type=int, nargs="+", default=[10_000, 100_000, 200_000])
    args = parser.parse_args()
    if args.part in ("import", "all"):
        import_bench(args.import_sizes, max(1, min(args.rounds, 2)))
    if args.part == "import":
        return
    first_per_100k: float | None = None
    for n in args.sizes:
        lines, items, matchable = synthetic(n)
        rounds = args.rounds if n <= 300_000 else 1
        runs = [_timed(match, lines, items) for _ in range(rounds)]
        base_runs = [_timed(dict_join, lines, items) for _ in range(rounds)]
        seconds, baseline = min(r[0] for r in runs), min(r[0] for r in base_runs)
        cpu, baseline_cpu = min(r[1] for r in runs), min(r[1] for r in base_runs)
        result = match(lines, items)
        matched = sum(len(m.line_keys) for m in result.matches)
        emit(f"match_seconds_{n}", seconds, "s", baseline)
        emit(f"match_cpu_seconds_{n}", cpu, "s", baseline_cpu)
        emit(f"match_lines_per_second_{n}", n / seconds, "lines/s", n / baseline)
        per_100k = cpu / n * 100_000
        if first_per_100k is None:
            first_per_100k = per_100k
        emit(f"match_growth_{n}", per_100k / first_per_100k, "x", 1.0)
        emit(f"matched_share_{n}", matched / n, "share", matchable / n)
        del lines, items, result


if __name__ == "__main__":
    main()
