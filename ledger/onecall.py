"""Independent entries, one database call (PostgreSQL): ``ledger_post_batch``.

A post's hash covers values only known once its balance rows are locked
(sequence numbers, balances after, chain heads), so sealing it in Python takes
a round trip to lock and another to write, inside BEGIN … COMMIT.
``ledger_post_batch`` (migration 0008) instead receives each entry's canonical
encoding *around* those values (:func:`riskpool.ledger.hashing.seal_fragments`),
locks, fills them in, hashes and writes in one statement. Inside a caller's
transaction that is one round trip instead of two; outside any transaction
(:meth:`riskpool.ledger.service.Ledger.post`) the statement is its own
transaction, all or nothing, and BEGIN and COMMIT disappear too.

One call takes several *independent* requests (what
:mod:`riskpool.ledger.grouping` gathers from concurrent callers): each gets the
outcome it would have had alone, in order — posted, a replay, or refused with
nothing of it written. For a refusal the function returns the accounts' state
and :mod:`riskpool.ledger.checks` words the error from it, so the codes and
messages are those of the batch path. ``post_many`` (all or nothing, chains
through many entries) keeps the batch path of :mod:`riskpool.ledger.store`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy.exc import DBAPIError, IntegrityError

from riskpool.errors import RiskpoolError
from riskpool.ledger import hashing
from riskpool.ledger.checks import Target, balance_after, check_accounts, key_reused
from riskpool.ledger.model import JournalEntry
from riskpool.ledger.requests import Prepared
from riskpool.ledger.sealing import written_entry

POST_SQL = (
    "SELECT * FROM ledger_post_batch($1::text[], $2::text[], $3::text[], $4::date[], "
    "$5::text[], $6::text[], $7::text[], $8::bigint[], $9::int[], $10::text[], $11::text[], "
    "$12::text[], $13::text[], $14::bigint[], $15::timestamptz)"
)


@dataclass(frozen=True, slots=True)
class Replay:
    """The key was used before, with the same payload: the caller loads entry ``entry_id``."""

    entry_id: int


def as_sqlalchemy_error(statement: str, exc: asyncpg.PostgresError) -> DBAPIError:
    """asyncpg's exception as SQLAlchemy's, so one error mapping serves every path."""
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        return IntegrityError(statement, None, exc)
    return DBAPIError(statement, None, exc)


Outcome = JournalEntry | Replay | RiskpoolError | None


async def post_one(
    driver: Any, item: Prepared, booked_at: datetime
) -> JournalEntry | Replay | None:
    """Post ``item`` with one call on the asyncpg connection ``driver``.

    Returns the sealed entry, a :class:`Replay`, or ``None`` when the request
    has fields of unusual types that only the generic encoder handles (the
    caller then takes the batch path). Raises the typed error of a refusal, or
    the database's error as SQLAlchemy's (an idempotency race among them).
    """
    (outcome,) = await post_each(driver, [item], booked_at)
    if isinstance(outcome, RiskpoolError):
        raise outcome
    return outcome


async def post_each(driver: Any, items: Sequence[Prepared], booked_at: datetime) -> list[Outcome]:
    """Post independent ``items`` (distinct idempotency keys) in one call.

    One outcome per item, in order: the sealed entry, a :class:`Replay`, the
    typed error of a refusal (nothing of that item written), or ``None`` for
    an item of unusual field types (not sent; see :func:`post_one`). An error
    of the statement itself (a race on a key, a lost connection) is raised as
    SQLAlchemy's and then holds for every item: nothing was written.
    """
    outcomes: list[Outcome] = [None] * len(items)
    sent: list[int] = []
    columns: list[list[Any]] = [[] for _ in range(14)]
    (keys, payloads, books, days, descriptions, metadata, actors, reverses, leg_counts, seals,
     leg_books, codes, currencies, amounts) = columns  # fmt: skip
    for index, item in enumerate(items):
        spec = item.spec
        fragments = hashing.seal_fragments(
            effective_date=spec.effective_date,
            booked_at=booked_at,
            description=spec.description,
            metadata=item.metadata,
            idempotency_key=spec.idempotency_key,
            actor=spec.actor,
            reverses=spec.reverses,
        )
        if fragments is None or type(spec.book) is not str:
            continue
        sent.append(index)
        keys.append(spec.idempotency_key)
        payloads.append(item.payload_hash)
        books.append(spec.book)
        days.append(spec.effective_date)
        descriptions.append(spec.description)
        metadata.append(hashing.canonical_text(item.metadata) if item.metadata else "{}")
        actors.append(spec.actor)
        reverses.append(spec.reverses)
        leg_counts.append(len(item.legs))
        seals.extend(fragments)
        for code, currency, units in item.legs:
            leg_books.append(spec.book)
            codes.append(code)
            currencies.append(currency)
            amounts.append(units)
    if not sent:
        return outcomes
    try:
        row = await driver.fetchrow(POST_SQL, *columns, booked_at)
    except asyncpg.PostgresError as exc:
        raise as_sqlalchemy_error("ledger_post_batch", exc) from exc
    result = _Result(row)
    first = 0  # legs of the items before this one
    for position, index in enumerate(sent):
        item = items[index]
        legs = range(first, first + len(item.legs))
        first = legs.stop
        outcomes[index] = result.outcome(position, item, legs, booked_at)
    return outcomes


class _Result:
    """``ledger_post_batch``'s row of arrays: per entry, status, id and hash; per leg
    (flattened), the account and what the entry's status calls for."""

    def __init__(self, row: Any) -> None:
        self.status: list[str] = row["r_status"]
        self.entry: list[int | None] = row["r_entry"]
        self.hash: list[str | None] = row["r_hash"]
        self.row = row

    def outcome(self, position: int, item: Prepared, legs: range, booked_at: datetime) -> Outcome:
        status = self.status[position]
        entry_id = self.entry[position]
        if status == "posted" and entry_id is not None:
            row = self.row
            accounts, seqs, afters, prevs = (
                row["r_account"], row["r_seq"], row["r_after"], row["r_prev"]
            )  # fmt: skip
            return written_entry(
                item,
                entry_id,
                booked_at,
                str(self.hash[position]),
                ((accounts[leg], seqs[leg], afters[leg], prevs[leg]) for leg in legs),
            )
        if status == "replay" and entry_id is not None:
            if self.hash[position] != item.payload_hash:
                return key_reused(item.spec.idempotency_key, entry_id)
            return Replay(entry_id)
        try:
            _raise_refusal(item, self.row if status == "refused" else None, legs)
        except RiskpoolError as refusal:
            return refusal
        raise AssertionError("unreachable")  # pragma: no cover


def _raise_refusal(item: Prepared, row: Any, legs: range) -> None:
    """Raise the error the service's own checks find in the state the function
    returned: ``row`` is ``None`` for an unknown book, else the legs' accounts
    (``None`` where unknown) with their state as the entry found it."""
    book = item.spec.book
    book_ids: dict[str, int] = {}
    targets: dict[tuple[str, str], Target] = {}
    if row is not None:
        book_ids[book] = 0
        for (code, _currency, _units), leg in zip(item.legs, legs, strict=True):
            account_id = row["r_account"][leg]
            if account_id is None:
                continue
            targets[(book, code)] = Target(
                id=account_id,
                book=book,
                code=code,
                currency=row["r_currency"][leg],
                opened_on=row["r_opened"][leg],
                closed_on=row["r_closed"][leg],
                balance=row["r_balance"][leg],
                version=0,
                head_hash="",
                dmnec=row["r_dmnec"][leg],
                cmned=row["r_cmned"][leg],
            )
    check_accounts(item, book_ids, targets)
    for code, currency, units in item.legs:
        balance_after(targets[(book, code)], currency, units)
    raise RuntimeError(
        f"ledger_post_batch refused entry {item.spec.idempotency_key!r} for no known rule"
    )
