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
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from collections.abc import Sequence
from datetime import date, timedelta

from riskpool.reconciliation.matching import LedgerItem, match
from riskpool.reconciliation.model import StatementLine

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 100_000, 300_000, 1_000_000]
    )
    parser.add_argument("--rounds", type=int, default=3, help="best of this many (1 above 300k)")
    args = parser.parse_args()
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
