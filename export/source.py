"""Reading the entries of a book (or of several) for an export: one streamed query, in date order.

Why here and not in the ledger: :class:`~riskpool.ledger.store.LedgerStore`
loads entries by id (and in full); an export needs *all* entries of a book in
a date range, in (effective date, id) order, without holding a million
postings in memory. This module runs that query on the ledger's tables
(:mod:`riskpool.ledger.schema`) with a server-side cursor, and rebuilds the
ledger's own :class:`~riskpool.ledger.model.JournalEntry` records, so the
builder works on exactly what the ledger API returns. It only reads.

Each entry comes with the id of the entry that reverses it, if any (an outer
join on ``reverses_entry_id``, which is unique), so the original and its
reversal can be linked both ways.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.export.builder import Period
from riskpool.ledger.model import Account, Book, JournalEntry, Posting, freeze_metadata
from riskpool.ledger.money import from_minor
from riskpool.ledger.schema import entries, postings

BATCH = 5_000


def _books(book: Book | Sequence[Book]) -> list[Book]:
    return [book] if isinstance(book, Book) else list(book)


def _where(query: Any, book: Book | Sequence[Book], period: Period) -> Any:
    query = query.where(entries.c.book_id.in_([b.id for b in _books(book)]))
    if period.date_from is not None:
        query = query.where(entries.c.effective_date >= period.date_from)
    if period.date_to is not None:
        query = query.where(entries.c.effective_date <= period.date_to)
    return query


async def last_entry_date(
    conn: AsyncConnection, book: Book | Sequence[Book], period: Period
) -> date | None:
    """The latest effective date of the books' entries within the period."""
    query = _where(select(func.max(entries.c.effective_date)), book, period)
    result = (await conn.execute(query)).scalar_one_or_none()
    if isinstance(result, str):  # SQLite returns aggregates of dates as text
        return date.fromisoformat(result)
    return result if isinstance(result, date) else None


async def stream_entries(
    conn: AsyncConnection,
    book: Book | Sequence[Book],
    accounts: Sequence[Account],
    period: Period,
) -> AsyncIterator[tuple[JournalEntry, int | None]]:
    """Yield ``(entry, id of its reversal or None)`` in (effective date, id) order.

    With several books their entries are interleaved in that one order, so
    a combined file reads as the fund's single journal.
    """
    codes = {a.id: a.code for a in accounts}
    book_codes = {b.id: b.code for b in _books(book)}
    reversal = entries.alias("reversal")
    query = _where(
        select(
            entries.c.id,
            entries.c.book_id,
            entries.c.effective_date,
            entries.c.booked_at,
            entries.c.description,
            entries.c.metadata,
            entries.c.idempotency_key,
            entries.c.actor,
            entries.c.reverses_entry_id,
            entries.c.entry_hash,
            reversal.c.id.label("reversed_by"),
            postings.c.account_id,
            postings.c.currency,
            postings.c.amount,
            postings.c.account_seq,
            postings.c.balance_after,
            postings.c.prev_hash,
        ).select_from(
            entries.join(postings, postings.c.entry_id == entries.c.id).outerjoin(
                reversal, reversal.c.reverses_entry_id == entries.c.id
            )
        ),
        book,
        period,
    ).order_by(entries.c.effective_date, entries.c.id, postings.c.id)

    current: Any = None
    legs: list[Posting] = []

    def finish() -> tuple[JournalEntry, int | None]:
        e = current
        booked_at = e.booked_at
        if booked_at.tzinfo is None:  # SQLite keeps no zone; the ledger writes UTC
            booked_at = booked_at.replace(tzinfo=UTC)
        entry = JournalEntry(
            id=e.id,
            book=book_codes[e.book_id],
            effective_date=e.effective_date,
            booked_at=booked_at,
            description=e.description,
            metadata=freeze_metadata(e.metadata),
            idempotency_key=e.idempotency_key,
            actor=e.actor,
            reverses=e.reverses_entry_id,
            entry_hash=e.entry_hash,
            postings=tuple(legs),
        )
        return entry, e.reversed_by

    result = await conn.stream(query.execution_options(yield_per=BATCH))
    # Whole batches, not rows: each awaited row would cost a greenlet switch
    # (SQLAlchemy's async bridge), which dominated the export's profile.
    async for batch in result.partitions(BATCH):
        for row in batch:
            if current is None or row.id != current.id:
                if current is not None:
                    yield finish()
                current, legs = row, []
            legs.append(
                Posting(
                    entry_id=row.id,
                    account_id=row.account_id,
                    account=codes[row.account_id],
                    amount=from_minor(row.amount, row.currency),
                    account_seq=row.account_seq,
                    balance_after=from_minor(row.balance_after, row.currency),
                    prev_hash=row.prev_hash,
                )
            )
    if current is not None:
        yield finish()
