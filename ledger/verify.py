"""``verify``: prove from the stored rows alone that the ledger was not altered.

What is recomputed, and what each check catches:

* **entry hashes** — every entry's hash from its own fields and postings: an
  edited amount, date, description, metadata or account shows here;
* **zero sum** — every entry's postings per currency, and at least two;
* **per-account chains** — each account's postings, in entry order, must be
  numbered 1, 2, 3… without gaps (a deleted posting shows), carry the running
  ``balance_after`` of the amounts before them, and point with ``prev_hash``
  at the hash of the entry holding the previous posting (a rewritten or
  re-hashed entry shows at the next posting of each account);
* **cached balances** — equal to Σ postings, with ``version`` = their count,
  and ``head_hash`` = the hash of the entry holding the account's last posting
  (the chain head the next posting will link to).

Why one pass in entry order: the write path allocates entry ids only once it
holds the balance rows' locks (:mod:`riskpool.ledger.store`), so each
account's postings are numbered in the order of their entries' ids, and one
stream of entries with their postings serves every check (a second scan in
account order was a quarter of the run). Postings numbered out of entry order
are therefore reported too (``chain_gap``). The rows are streamed, so memory
is bounded by the number of accounts, not the number of postings. Problems
are returned as data (beancount style), and
:attr:`VerificationReport.first_bad_entry` names the earliest entry involved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, select
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.ledger import hashing
from riskpool.ledger.schema import accounts, balances, entries, postings

_BATCH = 10_000


@dataclass(frozen=True, slots=True)
class Problem:
    """One failed check. ``entry_id`` is None for account-level findings."""

    check: str
    message: str
    entry_id: int | None = None
    account_id: int | None = None


@dataclass(frozen=True, slots=True)
class VerificationReport:
    entries_checked: int
    postings_checked: int
    accounts_checked: int
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_entry(self) -> int | None:
        ids = [p.entry_id for p in self.problems if p.entry_id is not None]
        return min(ids) if ids else None


async def verify(conn: AsyncConnection, *, max_problems: int = 1_000) -> VerificationReport:
    problems: list[Problem] = []

    def report(problem: Problem) -> None:
        if len(problems) < max_problems:
            problems.append(problem)

    chains: dict[int, _Chain] = {}
    entry_count, posting_count = await _check_entries(conn, report, chains)
    account_count = await _check_cached_balances(conn, report, chains)
    return VerificationReport(entry_count, posting_count, account_count, tuple(problems))


@dataclass(slots=True)
class _Chain:
    """An account's chain as walked so far: last sequence number, running
    balance, number of postings, and the hash of the entry of its last posting."""

    seq: int = 0
    balance: int = 0
    count: int = 0
    head: str = hashing.GENESIS_HASH


_ENTRY_COLUMNS = (
    entries.c.id,
    entries.c.book_id,
    entries.c.effective_date,
    entries.c.booked_at,
    entries.c.description,
    # As text, decoded once per entry rather than once per joined row.
    cast(entries.c.metadata, Text).label("metadata"),
    entries.c.idempotency_key,
    entries.c.actor,
    entries.c.reverses_entry_id,
    entries.c.entry_hash,
)


async def _check_entries(
    conn: AsyncConnection, report: Any, chains: dict[int, _Chain]
) -> tuple[int, int]:
    """Recompute each entry's hash and zero sum, and walk every account's chain
    (``chains``, filled here), streaming entries with their postings.

    The rows are fetched :data:`_BATCH` at a time (a server-side cursor on
    PostgreSQL: one hop into the driver per batch, not per row) and unpacked by
    position; an entry is checked when its last posting has arrived."""
    query = (
        select(
            *_ENTRY_COLUMNS,
            postings.c.account_id,
            postings.c.currency,
            postings.c.amount,
            postings.c.account_seq,
            postings.c.balance_after,
            postings.c.prev_hash,
        )
        .select_from(entries.outerjoin(postings, postings.c.entry_id == entries.c.id))
        .order_by(entries.c.id, postings.c.id)
        .execution_options(yield_per=_BATCH)
    )
    entry_count = posting_count = 0
    current: tuple[Any, ...] | None = None
    legs: list[tuple[int, str, int, int, int, str]] = []
    result = await conn.stream(query)
    async for batch in result.partitions(_BATCH):
        for row in batch:
            entry = row[:10]
            if current is None or entry[0] != current[0]:
                if current is not None:
                    _check_entry(report, chains, current, legs)
                current, legs = entry, []
                entry_count += 1
            if row[10] is not None:
                posting_count += 1
                legs.append(row[10:16])
    if current is not None:
        _check_entry(report, chains, current, legs)
    orphans = await conn.execute(
        select(postings.c.entry_id)
        .where(~select(entries.c.id).where(entries.c.id == postings.c.entry_id).exists())
        .distinct()
    )
    for (orphan,) in orphans:
        report(Problem("orphan", f"postings reference missing entry #{orphan}", entry_id=orphan))
    return entry_count, posting_count


def _check_entry(
    report: Any,
    chains: dict[int, _Chain],
    entry: tuple[Any, ...],
    legs: list[tuple[int, str, int, int, int, str]],
) -> None:
    """One entry (its row's columns as :data:`_ENTRY_COLUMNS`) with its postings:
    zero sum, hash, and each posting against its account's chain."""
    entry_id, book_id, day, booked_at, description, metadata, key, actor, reverses, stored = entry
    sums: dict[str, int] = {}
    for leg in legs:
        sums[leg[1]] = sums.get(leg[1], 0) + leg[2]
    if len(legs) < 2 or any(sums.values()):
        report(Problem("zero_sum", f"entry #{entry_id} does not sum to zero", entry_id=entry_id))
    expected = hashing.entry_hash(
        entry_id=entry_id,
        book_id=book_id,
        effective_date=day,
        booked_at=booked_at,
        description=description,
        metadata={} if metadata == "{}" else json.loads(metadata),
        idempotency_key=key,
        actor=actor,
        reverses=reverses,
        postings=legs,
    )
    if expected != stored:
        report(
            Problem(
                "entry_hash",
                f"entry #{entry_id}: stored hash {stored[:12]}… but its content hashes to "
                f"{expected[:12]}…",
                entry_id=entry_id,
            )
        )
    for account, _currency, amount, seq, after, prev in legs:
        chain = chains.get(account)
        if chain is None:
            chain = chains[account] = _Chain()
        if seq != chain.seq + 1 or prev != chain.head or after != chain.balance + amount:
            _broken_link(report, chain, entry_id, account, amount, seq, after, prev)
        chain.seq, chain.balance, chain.head = seq, chain.balance + amount, stored
        chain.count += 1


def _broken_link(
    report: Any,
    chain: _Chain,
    entry_id: int,
    account: int,
    amount: int,
    seq: int,
    after: int,
    prev: str,
) -> None:
    """Report what is wrong with one posting of entry ``entry_id`` on
    ``account`` against the account's chain so far (called only when something
    is: the checks are made inline, once per posting)."""
    if seq != chain.seq + 1:
        report(
            Problem(
                "chain_gap",
                f"account #{account}: posting {chain.seq + 1} is missing (next found is {seq})",
                entry_id=entry_id,
                account_id=account,
            )
        )
    if prev != chain.head:
        report(
            Problem(
                "chain_link",
                f"entry #{entry_id} does not link to the previous entry of account #{account}",
                entry_id=entry_id,
                account_id=account,
            )
        )
    if after != chain.balance + amount:
        report(
            Problem(
                "running_balance",
                f"entry #{entry_id}: account #{account} running balance "
                f"{after} ≠ {chain.balance} + {amount}",
                entry_id=entry_id,
                account_id=account,
            )
        )


async def _check_cached_balances(
    conn: AsyncConnection, report: Any, chains: dict[int, _Chain]
) -> int:
    """Every account's cached balance, version and chain head against its walked
    chain; returns the number of accounts."""
    query = (
        select(accounts.c.id, balances.c.balance, balances.c.version, balances.c.head_hash)
        .select_from(accounts.outerjoin(balances, balances.c.account_id == accounts.c.id))
        .order_by(accounts.c.id)
    )
    count = 0
    for row in await conn.execute(query):
        count += 1
        chain = chains.get(row.id, _Chain())
        if row.balance is None:
            report(
                Problem(
                    "cached_balance", f"account #{row.id} has no balance row", account_id=row.id
                )
            )
            continue
        if int(row.balance) != chain.balance or int(row.version) != chain.count:
            report(
                Problem(
                    "cached_balance",
                    f"account #{row.id}: cached balance {row.balance} (version {row.version}) "
                    f"≠ Σ postings {chain.balance} ({chain.count} postings)",
                    account_id=row.id,
                )
            )
        if row.head_hash != chain.head:
            report(
                Problem(
                    "chain_head",
                    f"account #{row.id}: cached chain head {row.head_hash[:12]}… is not the "
                    "hash of the entry holding its last posting",
                    account_id=row.id,
                )
            )
    return count
