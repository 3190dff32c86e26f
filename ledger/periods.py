"""Monthly periods of a book and their close (结账), with four eyes.

Why: back-dated entries used to land in months already reported to auditors,
silently changing their figures (issue 16). Finance now closes a month: one
person prepares the close, a different one approves it; from the approval on
the database refuses every entry of that book dated inside the month
(``PERIOD_CLOSED``, ``ledger/sql/*/ledger_entries_*``), whoever writes it.
A correction posts in the open period as an adjusting entry that names the
closed one. A close is final: the database refuses to change or remove a
closed period (``APPEND_ONLY``); reopening is not offered, since a correction
in the open period says the same thing without rewriting what was reported.

Months close in order, from the book's first entry on: closing a month whose
predecessor is still open would leave entries back-dated into the earlier
month free to change the later one's opening balances.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.checks import business_date
from riskpool.ledger.model import Period
from riskpool.ledger.schema import books, entries, periods

MAX_ACTOR = 200


def month_of(day: date) -> tuple[date, date]:
    """The first and last day of ``day``'s month."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


class LedgerPeriods:
    """Periods of the ledger's books on one connection (no transaction control)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def prepare_close(self, book: str, month: date, actor: str, now: datetime) -> Period:
        """Prepare the close of ``month`` (any day of it) of ``book``: the first
        pair of eyes. The month must be over (by the server's business date),
        not prepared yet, and every earlier month with entries closed."""
        _check_actor(actor)
        book_id = await self._book_id(book)
        starts_on, ends_on = month_of(month)
        if ends_on >= business_date(now):
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"{starts_on:%Y-%m} is not over yet: a month is closed after its last day",
                field="month",
            )
        if await self._row(book_id, starts_on) is not None:
            raise RiskpoolError(
                ErrorCode.DUPLICATE, f"the close of {book} {starts_on:%Y-%m} exists", field="month"
            )
        previous = month_of(starts_on - timedelta(days=1))[0]
        earlier = await self.conn.scalar(
            select(func.count())
            .select_from(entries)
            .where(entries.c.book_id == book_id, entries.c.effective_date < starts_on)
        )
        before = await self._row(book_id, previous)
        if earlier and (before is None or before.approved_by is None):
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"{book} {previous:%Y-%m} has entries and is not closed: months close in order",
                field="month",
            )
        await self.conn.execute(
            periods.insert().values(
                book_id=book_id,
                starts_on=starts_on,
                ends_on=ends_on,
                prepared_by=actor,
                prepared_at=now,
            )
        )
        return Period(book, starts_on, ends_on, actor, now, None, None)

    async def approve_close(self, book: str, month: date, actor: str, now: datetime) -> Period:
        """Approve a prepared close: the second pair of eyes, never the preparer's
        (``FORBIDDEN``). From now on nothing posts to ``book`` inside the month."""
        _check_actor(actor)
        book_id = await self._book_id(book)
        starts_on, _ends_on = month_of(month)
        row = await self._row(book_id, starts_on)
        if row is None:
            raise RiskpoolError(
                ErrorCode.NOT_FOUND, f"no close of {book} {starts_on:%Y-%m} prepared", field="month"
            )
        if row.approved_by is not None:
            raise RiskpoolError(
                ErrorCode.INVALID_TRANSITION,
                f"{book} {starts_on:%Y-%m} was closed by {row.approved_by}",
                field="month",
            )
        if row.prepared_by == actor:
            raise RiskpoolError(
                ErrorCode.FORBIDDEN,
                f"four eyes: {actor} prepared the close of {book} {starts_on:%Y-%m}; "
                "another person must approve it",
                field="actor",
            )
        await self.conn.execute(
            periods.update()
            .where(periods.c.id == row.id)
            .values(approved_by=actor, approved_at=now)
        )
        return Period(
            book, row.starts_on, row.ends_on, row.prepared_by, row.prepared_at, actor, now
        )

    async def periods(self, book: str) -> list[Period]:
        """Every prepared or closed period of ``book``, oldest first."""
        book_id = await self._book_id(book)
        rows = await self.conn.execute(
            select(periods).where(periods.c.book_id == book_id).order_by(periods.c.starts_on)
        )
        return [_period(book, row) for row in rows]

    async def closed_on(self, book: str, day: date) -> Period | None:
        """The closed period of ``book`` that ``day`` falls in, if any."""
        book_id = await self._book_id(book)
        row = await self._row(book_id, month_of(day)[0])
        return None if row is None or row.approved_by is None else _period(book, row)

    async def _book_id(self, book: str) -> int:
        found = await self.conn.scalar(select(books.c.id).where(books.c.code == book))
        if found is None:
            raise RiskpoolError(ErrorCode.UNKNOWN_BOOK, f"no book {book!r}", field="book")
        return int(found)

    async def _row(self, book_id: int, starts_on: date) -> Any:
        result = await self.conn.execute(
            select(periods).where(periods.c.book_id == book_id, periods.c.starts_on == starts_on)
        )
        return result.first()


def _check_actor(actor: str) -> None:
    if not actor or len(actor) > MAX_ACTOR or "\x00" in actor:
        raise RiskpoolError(
            ErrorCode.VALIDATION, f"an actor is 1–{MAX_ACTOR} characters", field="actor"
        )


def _period(book: str, row: Any) -> Period:
    return Period(
        book,
        row.starts_on,
        row.ends_on,
        row.prepared_by,
        _aware(row.prepared_at),
        row.approved_by,
        None if row.approved_at is None else _aware(row.approved_at),
    )


def _aware(moment: datetime) -> datetime:
    """SQLite returns the stored UTC wall time without its zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
