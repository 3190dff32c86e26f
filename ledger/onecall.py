"""One entry, one database call (PostgreSQL): the migration's ``ledger_post``.

A single post's hash covers values only known once its balance rows are
locked (sequence numbers, balances after, chain heads), so sealing it in
Python takes a round trip to lock and another to write, inside BEGIN …
COMMIT. ``ledger_post`` (migration 0007) instead receives the entry's
canonical encoding around those values (:func:`riskpool.ledger.hashing.seal_fragments`),
locks, fills them in, hashes and writes in one statement. Inside a caller's
transaction that is one round trip instead of two; outside any transaction
(:meth:`riskpool.ledger.service.Ledger.post`) the statement is its own
transaction, all or nothing, and BEGIN and COMMIT disappear too.

The function writes nothing when a rule fails; it returns the accounts'
state and :mod:`riskpool.ledger.checks` raises the error from it, so the
codes and messages are those of the batch path. Batches keep the batch path
(``ledger_lock`` + Python sealing + ``ledger_write``/COPY), where chains run
through many entries of one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy.exc import DBAPIError, IntegrityError

from riskpool.ledger import hashing
from riskpool.ledger.checks import Target, balance_after, check_accounts, key_reused
from riskpool.ledger.model import JournalEntry
from riskpool.ledger.requests import Prepared
from riskpool.ledger.sealing import written_entry

POST_SQL = (
    "SELECT * FROM ledger_post($1, $2, $3, $4::text[], $5::text[], $6::bigint[], $7::date, "
    "$8::timestamptz, $9, $10, $11, $12::bigint, $13::text[])"
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


async def post_one(
    driver: Any, item: Prepared, booked_at: datetime
) -> JournalEntry | Replay | None:
    """Post ``item`` with one call on the asyncpg connection ``driver``.

    Returns the sealed entry, a :class:`Replay`, or ``None`` when the request
    has fields of unusual types that only the generic encoder handles (the
    caller then takes the batch path). Raises the typed error of a refusal, or
    the database's error as SQLAlchemy's (an idempotency race among them).
    """
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
        return None
    codes = [code for code, _currency, _units in item.legs]
    currencies = [currency for _code, currency, _units in item.legs]
    amounts = [units for _code, _currency, units in item.legs]
    try:
        row = await driver.fetchrow(
            POST_SQL,
            spec.idempotency_key,
            item.payload_hash,
            spec.book,
            codes,
            currencies,
            amounts,
            spec.effective_date,
            booked_at,
            spec.description,
            hashing.canonical_text(item.metadata) if item.metadata else "{}",
            spec.actor,
            spec.reverses,
            list(fragments),
        )
    except asyncpg.PostgresError as exc:
        raise as_sqlalchemy_error("ledger_post", exc) from exc
    status = row["r_status"]
    if status == "replay":
        if row["r_hash"] != item.payload_hash:
            raise key_reused(spec.idempotency_key, row["r_entry"])
        return Replay(row["r_entry"])
    if status == "refused":
        _raise_refusal(item, row)
    return written_entry(
        item,
        row["r_entry"],
        booked_at,
        row["r_hash"],
        zip(row["r_account"], row["r_seq"], row["r_after"], row["r_prev"], strict=True),
    )


def _raise_refusal(item: Prepared, row: Any) -> None:
    """Raise the error the service's own checks find in the state ``ledger_post`` returned."""
    book = item.spec.book
    book_ids: dict[str, int] = {}
    targets: dict[tuple[str, str], Target] = {}
    if row["r_account"] is not None:  # the book exists; the legs' accounts may not
        book_ids[book] = 0
        for index, (code, _currency, _units) in enumerate(item.legs):
            account_id = row["r_account"][index]
            if account_id is None:
                continue
            targets[(book, code)] = Target(
                id=account_id,
                book=book,
                code=code,
                currency=row["r_currency"][index],
                opened_on=row["r_opened"][index],
                closed_on=row["r_closed"][index],
                balance=row["r_balance"][index],
                version=0,
                head_hash="",
                dmnec=row["r_dmnec"][index],
                cmned=row["r_cmned"][index],
            )
    check_accounts([item], book_ids, targets)
    for code, currency, units in item.legs:
        balance_after(targets[(book, code)], currency, units)
    raise RuntimeError(f"ledger_post refused entry {item.spec.idempotency_key!r} for no known rule")
