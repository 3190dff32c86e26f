"""The export use case: read one book (or all of them) from the ledger, write a beancount file.

Why a combined file besides the per-book files: an auditor of the whole fund
wants one journal in Fava, with the reserve, the pool and the memoranda side
by side and a transfer between the funds visible as its two entries on one
day. Each book's accounts keep their own book component, so the books stay
separate (and each still nets to zero) inside the one file. ``book=None``
asks for it.

Why one read-only transaction with a stable snapshot: the balances brought
forward, the entries and the ledger's closing balances are three queries; if
a payout were committed between them, the file would contradict itself. On
PostgreSQL the export therefore runs at ``REPEATABLE READ`` (one snapshot for
all queries); on SQLite a read transaction in WAL mode already reads one
snapshot. When handed a connection, the export runs inside the caller's
transaction instead (the GraphQL resolver's unit of work).

The file is streamed: entries are read with a server-side cursor and each is
printed as soon as it is built, so memory does not grow with the ledger.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.db import Database
from riskpool.export.builder import BalanceAssertion, BeancountBuilder, FilePlan, Period
from riskpool.export.printing import DirectiveWriter
from riskpool.export.source import last_entry_date, stream_entries
from riskpool.ledger.store import LedgerStore


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What was written: counts an operator can compare with ``ledger balances``."""

    book: str
    """The book's code, or ``ALL`` for the combined file."""
    date_from: date | None
    date_to: date | None
    closing_as_of: date | None
    accounts: int
    entries: int
    postings: int
    directives: int


@contextlib.contextmanager
def gc_paused(pause: bool = True) -> Iterator[None]:
    """Pause Python's cycle collector while a large file is written.

    Why: building and printing allocate millions of short-lived, acyclic
    objects (directives, tuples, strings) that reference counting frees at
    once; the cycle collector still runs every few hundred allocations and
    rescans the whole heap, which measured up to half of the writing time
    (``docs/benchmarks.md``). It is process-wide, so only a process doing
    nothing else (the CLI) should pause it; the collector is restored after.
    """
    was_enabled = gc.isenabled()
    if pause and was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if pause and was_enabled:
            gc.enable()


@asynccontextmanager
async def snapshot(source: Database | AsyncConnection) -> AsyncIterator[AsyncConnection]:
    """A connection reading one consistent snapshot (see the module docstring)."""
    if isinstance(source, AsyncConnection):
        yield source
        return
    async with source.transaction(write=False) as conn:  # REPEATABLE READ on PostgreSQL
        yield conn


#: Permissions of a written export: readable by everyone, writable by its owner.
FILE_MODE = 0o644

#: :attr:`ExportSummary.book` of the combined file.
ALL_BOOKS = "ALL"


async def write_beancount(
    source: Database | AsyncConnection,
    out: TextIO,
    book: str | None,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    assertions: Iterable[BalanceAssertion] = (),
    chain_metadata: bool = True,
    assert_closing_balances: bool = True,
    pause_gc: bool = False,
) -> ExportSummary:
    """Write book ``book`` (entries dated ``date_from``…``date_to``) to ``out``.

    ``book=None`` writes every book of the ledger into one file; assertions
    must then name their book (:attr:`BalanceAssertion.book`).

    ``assertions`` are proved statement balances (account code, day, amount);
    those dated inside the period become ``balance`` directives on the next
    day. With ``assert_closing_balances`` the ledger's own balance of every
    account at the end of the period (``date_to``, or the last entry's date)
    is asserted too. ``pause_gc`` (for the CLI) see :func:`gc_paused`.
    Raises ``UNKNOWN_BOOK``/``UNKNOWN_ACCOUNT`` as
    :class:`~riskpool.errors.RiskpoolError`.
    """
    period = Period(date_from, date_to)
    async with snapshot(source) as conn:
        with gc_paused(pause_gc):
            return await _write(
                conn, out, book, period, list(assertions), chain_metadata, assert_closing_balances
            )


async def _write(
    conn: AsyncConnection,
    out: TextIO,
    book: str | None,
    period: Period,
    assertions: list[BalanceAssertion],
    chain_metadata: bool,
    assert_closing_balances: bool,
) -> ExportSummary:
    date_from, date_to = period.date_from, period.date_to
    store = LedgerStore(conn)
    if book is None:
        books = await store.books()
        accounts = await store.accounts()
        builder = BeancountBuilder(books, accounts, chain_metadata=chain_metadata)
    else:
        books = [await store.book(book)]
        accounts = await store.accounts(book)
        builder = BeancountBuilder(books[0], accounts, chain_metadata=chain_metadata)
    opening = (
        [await store.trial_balance(b.code, period.opening_day) for b in books]
        if period.opening_day is not None
        else None
    )
    closing_day = date_to or await last_entry_date(conn, books, period)
    closing = (
        [await store.trial_balance(b.code, closing_day) for b in books]
        if assert_closing_balances and closing_day is not None
        else None
    )
    plan = FilePlan(builder, period, opening, closing, assertions)

    out.write(builder.header(period))
    writer = DirectiveWriter(out, builder.context)
    writer.write_all(plan.prologue())
    for opening_txn in plan.openings:
        writer.write_all(plan.before(opening_txn.date))
        writer.write(opening_txn)
    entry_count = posting_count = 0
    transaction = builder.transaction
    before = plan.before
    write = writer.write
    async for entry, reversed_by in stream_entries(conn, books, accounts, period):
        pending = before(entry.effective_date)
        if pending:
            writer.write_all(pending)
        write(transaction(entry, reversed_by))
        entry_count += 1
        posting_count += len(entry.postings)
    writer.write_all(plan.epilogue())
    return ExportSummary(
        book=ALL_BOOKS if book is None else book,
        date_from=date_from,
        date_to=date_to,
        closing_as_of=closing_day if closing is not None else None,
        accounts=len(builder.visible_accounts(period)),
        entries=entry_count,
        postings=posting_count,
        directives=writer.count,
    )


async def export_beancount(
    source: Database | AsyncConnection,
    book: str | None,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    assertions: Iterable[BalanceAssertion] = (),
) -> str:
    """The export as a string (for the GraphQL auditor query and tests); ``None``: all books."""
    buffer = io.StringIO()
    await write_beancount(source, buffer, book, date_from, date_to, assertions=assertions)
    return buffer.getvalue()


async def export_to_path(
    source: Database | AsyncConnection,
    path: Path,
    book: str | None,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    assertions: Iterable[BalanceAssertion] = (),
    pause_gc: bool = False,
) -> ExportSummary:
    """Write the export to ``path`` atomically: a reader never sees half a file.

    The file is UTF-8 with ``\\n`` line ends on every platform (the bytes are
    the same wherever it is produced), and mode :data:`FILE_MODE` (0644): an
    export is handed to auditors and read by Fava or a web server running as
    another user, while the temporary file ``mkstemp`` makes is owner-only.
    It is flushed to disk before the rename, so a crash leaves the old file
    or the new one, never an empty one.
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        os.fchmod(handle, FILE_MODE)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            summary = await write_beancount(
                source, out, book, date_from, date_to, assertions=assertions, pause_gc=pause_gc
            )
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return summary
