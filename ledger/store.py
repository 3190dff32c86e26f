"""The ledger on one open database connection: the write path, over the reads.

:class:`LedgerStore` is the ledger's whole surface on a connection: it adds the
write path (this module) to the reads and reports of
:mod:`riskpool.ledger.reads`, which build on the books and accounts of
:mod:`riskpool.ledger.accounts`. It does not begin or commit: it runs inside whatever
transaction its caller holds, so a domain use case can post its entries in the
same transaction as its own changes (one unit of work = one transaction).
:class:`riskpool.ledger.service.Ledger` wraps it with a transaction per call for
callers that only need the ledger.

The write path, for a batch of entries, request by request in batch order
(the first request that fails refuses the batch with its error):

1. validate the request in Python (:mod:`riskpool.ledger.requests`: amounts
   exact, ≥ 2 postings, each account once, zero-sum per currency, metadata);
2. its idempotency key: a replay returns the stored entry (or, within the
   batch, the earlier request's), a key reused with another payload is
   ``IDEMPOTENCY_CONFLICT``;
3. its book and accounts, currencies and open/closed dates
   (:mod:`riskpool.ledger.checks`), against the state read and locked once
   for the whole batch beforehand: the balance rows of every account it
   posts to, **in account-id order** (``SELECT … FOR UPDATE``; ``BEGIN
   IMMEDIATE`` on SQLite), each with its balance, version and chain head
   (``head_hash``), and fresh entry ids;
4. seal it (:mod:`riskpool.ledger.sealing`: balance flags posting by posting,
   hash over its fields and postings, chained to each account's head) and
   write the postings, then the entry rows (the database re-checks the sums
   when the entry rows arrive, moves the cached balances and the chain heads);
   the returned entries (:class:`~riskpool.ledger.posted.PostedEntries`) are
   built from what was written when they are read.

Round trips. On PostgreSQL the lock is one statement (``ledger_lock``,
with the keys, books and account codes read from the requests as given) and
the write one call of ``ledger_write`` (two set-based ``INSERT … SELECT FROM
unnest(…)``), both on the asyncpg connection under the SQLAlchemy one and
inside its transaction, so the statement-level triggers run once per call
rather than once per row. From 1,000 entries the request for entry ids and
the lock call are sent before any validation and the requests are then
validated, checked and sealed as they stream through ``COPY``, chunk by
chunk, so the database works while Python does (and Python's cyclic garbage
collector waits: :mod:`riskpool.ledger.collector`). A single entry skips all
of this: :meth:`LedgerStore.post` is one call of ``ledger_post_batch``
(:mod:`riskpool.ledger.onecall`). SQLite
(not benchmarked) keeps SQLAlchemy Core statements and ``executemany`` (its
triggers are row-level anyway).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any, TypeGuard, TypeVar

import asyncpg
from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger import collector, onecall, sealing
from riskpool.ledger.accounts import chunks
from riskpool.ledger.checks import Target, to_write
from riskpool.ledger.model import (
    EntrySpec,
    JournalEntry,
    PostingSpec,
)
from riskpool.ledger.onecall import as_sqlalchemy_error
from riskpool.ledger.posted import PostedEntries
from riskpool.ledger.reads import LedgerReads
from riskpool.ledger.requests import Prepared, prepare
from riskpool.ledger.schema import accounts, balances, books, entries, postings

T = TypeVar("T")

_PG_CHUNK = 30_000  # posting rows per COPY chunk on PostgreSQL (whole entries)
_PG_FIRST_CHUNK = 8_000  # then doubling: the database starts while the rest is sealed
_PG_COPY_MIN = 2_000  # from this many postings, COPY (cheaper per row, 2 more round trips)

# PostgreSQL, steps 2–4 in one round trip: the migration's ``ledger_lock``
# returns the idempotency keys already used, the books, every account posted
# to with its balance row *locked* (in account-id order) and fresh entry ids;
# balance, version and chain head come from the locked rows themselves, which
# is what makes them safe to use under READ COMMITTED (see its comment). A
# function so that its plan is made once per session: as a plain prepared
# statement PostgreSQL re-planned it on every call (≈ 200 µs of its ≈ 260 µs).
_PG_LOCK = "SELECT * FROM ledger_lock($1::text[], $2::varchar[], $3::varchar[], $4::text[], $5)"
# Entry ids for a large batch, allocated apart from ledger_lock: one array.
_PG_IDS = "SELECT array_agg(nextval('ledger_entry_id_seq')) FROM generate_series(1, $1::int)"
_IDS_APART = 1_000  # from this many entries

# Postings, then their entries, in one round trip: the migration's
# ``ledger_write`` runs two set-based INSERTs (unnest of arrays), so each
# statement-level trigger runs once per call (asyncpg's executemany would run
# them once per row). For batches below _PG_COPY_MIN postings; larger ones
# stream through COPY in chunks of about _PG_CHUNK postings (whole entries).
_PG_WRITE = """
SELECT ledger_write($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[],
                    $6::bigint[], $7::text[], $8::timestamptz, $9::bigint[], $10::bigint[],
                    $11::date[], $12::text[], $13::text[], $14::text[], $15::text[],
                    $16::text[], $17::bigint[], $18::text[])
"""

# SQLite: accounts with their balance rows (the write lock is already held).
_TARGETS = select(
    accounts.c.id,
    books.c.code.label("book_code"),
    accounts.c.code,
    accounts.c.currency,
    accounts.c.opened_on,
    accounts.c.closed_on,
    balances.c.balance,
    balances.c.version,
    balances.c.head_hash,
    balances.c.debits_must_not_exceed_credits,
    balances.c.credits_must_not_exceed_debits,
).select_from(
    accounts.join(books, books.c.id == accounts.c.book_id).join(
        balances, balances.c.account_id == accounts.c.id
    )
)
_MAX_ENTRY_ID = select(func.coalesce(func.max(entries.c.id), 0))


_STREAM_MIN = 1_000  # entries from which a batch is written as it is validated
_PREPARE_CHUNK = 200  # requests validated between two yields while the lock call runs

_LockTargets = tuple[list[str], list[tuple[str, str]], list[str]]


def _lock_targets(specs: Sequence[EntrySpec]) -> _LockTargets:
    """What the lock call needs, read from the requests before validation:
    distinct keys, (book, account) pairs, books. A field that is not text or
    holds NUL is left out (it could not be sent); validation refuses its
    request in turn."""
    try:  # the usual case, at C speed: every field text, no NUL anywhere
        keys = list(dict.fromkeys([spec.idempotency_key for spec in specs]))
        pairs = {(spec.book, posting.account) for spec in specs for posting in spec.postings}
        books = {book for book, _account in pairs}
        if "\x00" not in "".join(keys) + "".join(books) + "".join(a for _b, a in pairs):
            return keys, sorted(pairs), sorted(books)
    except (TypeError, AttributeError):
        pass
    keys_seen: dict[str, None] = {}
    pairs = set()
    books = set()
    for spec in specs:
        key, book = spec.idempotency_key, spec.book
        if _sendable(key):
            keys_seen[key] = None
        if not _sendable(book):
            continue
        books.add(book)
        for posting in spec.postings:
            account = getattr(posting, "account", None)
            if _sendable(account):
                pairs.add((book, account))
    return list(keys_seen), sorted(pairs), sorted(books)


def _sendable(text: object) -> TypeGuard[str]:
    return isinstance(text, str) and "\x00" not in text


def booking_time() -> datetime:
    """The clock every write path stamps ``booked_at`` with (one place, so tests can fix it)."""
    return datetime.now(UTC)


@dataclass(slots=True)
class _Snapshot:
    """What a batch needs from the database before it can be sealed."""

    existing: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> (id, payload)
    book_ids: dict[str, int] = field(default_factory=dict)
    targets: dict[tuple[str, str], Target] = field(default_factory=dict)
    entry_ids: list[int] = field(default_factory=list)


def translate_db_error(exc: DBAPIError) -> RiskpoolError | None:
    """Map a refusal by the database's guards to the error code it stands for."""
    message = str(exc.orig) if exc.orig is not None else str(exc)
    if "credits_exceed_debits" in message or "debits_exceed_credits" in message:
        return RiskpoolError(ErrorCode.INSUFFICIENT_FUNDS, "a balance flag would be violated")
    if "uq_ledger_entries_reverses_entry_id" in message or (
        "ledger_entries.reverses_entry_id" in message
    ):
        return RiskpoolError(ErrorCode.ALREADY_REVERSED, "the entry is already reversed")
    for code in (ErrorCode.UNBALANCED, ErrorCode.INVALID_ENTRY, ErrorCode.CURRENCY_MISMATCH):
        if f"{code.value}:" in message:
            return RiskpoolError(code, message.split(f"{code.value}:", 1)[1].strip().split("\n")[0])
    return None


def is_idempotency_race(exc: IntegrityError) -> bool:
    message = str(exc.orig)
    return "uq_ledger_entries_idempotency_key" in message or (
        "ledger_entries.idempotency_key" in message
    )


async def translated(work: Awaitable[T]) -> T:
    """Await ``work``, turning a refusal by the database's guards into its typed error.

    An idempotency race stays a database error: the transaction is lost
    anyway, and :class:`~riskpool.ledger.service.Ledger` retries it whole.
    """
    try:
        return await work
    except DBAPIError as exc:
        if isinstance(exc, IntegrityError) and is_idempotency_race(exc):
            raise
        refusal = translate_db_error(exc)
        if refusal is not None:
            raise refusal from exc
        raise


class LedgerStore(LedgerReads):
    """The ledger's operations bound to one connection; see the module docstring."""

    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn)
        self._raw: Any = None  # the asyncpg connection, once needed (PostgreSQL)

    # -- posting ----------------------------------------------------------------

    async def post(self, spec: EntrySpec) -> JournalEntry:
        """Post one entry. On PostgreSQL that is one call of ``ledger_post_batch`` (see
        :mod:`riskpool.ledger.onecall`); otherwise a batch of one."""
        if self._dialect == "postgresql":
            item = prepare(spec)
            outcome = await translated(onecall.post_one(await self._driver(), item, booking_time()))
            if isinstance(outcome, onecall.Replay):
                return (await self.entries_by_id([outcome.entry_id]))[outcome.entry_id]
            if outcome is not None:
                return outcome
        return (await self.post_many([spec]))[0]

    async def post_many(self, specs: Sequence[EntrySpec]) -> PostedEntries:
        """Post a batch, all or nothing; replays inside it return their first entries.

        Each request in turn is validated, then its key, its accounts and the
        balance flags are checked; the first one that fails refuses the batch
        with its error. The entries returned for new postings are built from
        what was written, when first read (:class:`PostedEntries`; they equal
        what :meth:`entry` loads later); only replays are read back.
        """
        with collector.paused() if len(specs) >= _STREAM_MIN else nullcontext():
            if self._dialect == "postgresql" and len(specs) >= _STREAM_MIN:
                snapshot, items = await self._locked_while_validating(specs)
            else:
                snapshot = await self._snapshot(_lock_targets(specs))
                items = map(prepare, specs)
            postings = sum(len(spec.postings) for spec in specs)
            posted, replayed = await self._write(items, snapshot, copy=postings >= _PG_COPY_MIN)
        stored: dict[str, JournalEntry] = {}
        if replayed:
            loaded = await self.entries_by_id(list(replayed.values()))
            stored = {key: loaded[entry_id] for key, entry_id in replayed.items()}
        return PostedEntries([spec.idempotency_key for spec in specs], posted, stored)

    async def _locked_while_validating(
        self, specs: Sequence[EntrySpec]
    ) -> tuple[_Snapshot, Iterator[Prepared]]:
        """A large batch on PostgreSQL: the database works from the start. The
        request for entry ids goes out first (one per request: a replay wastes
        its id, as a rollback does), the accounts to lock are read from the
        requests meanwhile, then the lock call goes out, and requests are
        validated while it runs (the event loop gets a turn every
        :data:`_PREPARE_CHUNK` requests, so its reply is read); the rest are
        validated one by one as they are sealed and streamed, so the database
        starts writing a few thousand requests in, not after the last one. A
        refusal met ahead is raised in its turn (an earlier request may fail
        first), and rolls back whatever was written (the caller's transaction).
        """
        # Prepared first (a round trip, once per connection: asyncpg caches it),
        # so that the real call goes out in one message, before the CPU work below.
        await self._pg("fetchval", _PG_IDS, 0)
        ids = asyncio.create_task(self._entry_ids(len(specs)))
        calls: list[asyncio.Task[Any]] = [ids]
        ready: list[Prepared] = []
        refusal: Exception | None = None
        try:
            await asyncio.sleep(0)  # sent
            targets = _lock_targets(specs)

            async def locked() -> _Snapshot:  # one statement at a time on a connection
                return await self._pg_snapshot(*targets, ids=await ids)

            lock = asyncio.create_task(locked())
            calls.append(lock)
            while not lock.done() and len(ready) < len(specs) and refusal is None:
                for spec in specs[len(ready) : len(ready) + _PREPARE_CHUNK]:
                    try:
                        ready.append(prepare(spec))
                    except Exception as exc:
                        refusal = exc
                        break
                await asyncio.sleep(0)
        except BaseException:  # cancelled: the calls are let finish first
            await asyncio.wait(calls)
            for task in calls:
                if not task.cancelled():
                    task.exception()  # retrieved; the cancellation is the answer
            raise
        snapshot = await lock

        def items() -> Iterator[Prepared]:
            yield from ready
            if refusal is not None:
                raise refusal
            yield from map(prepare, islice(specs, len(ready), None))

        return snapshot, items()

    async def _snapshot(self, targets: _LockTargets) -> _Snapshot:
        """Steps 2–4 (one round trip on PostgreSQL)."""
        keys, pairs, book_codes = targets
        if self._dialect == "postgresql":
            many = len(keys) > _IDS_APART  # then one array, not a row per id
            return await self._pg_snapshot(
                keys, pairs, book_codes, ids=await self._entry_ids(len(keys)) if many else None
            )
        snapshot = await self._sqlite_snapshot(pairs, book_codes, len(keys))
        snapshot.existing = await self._existing_keys(keys)
        return snapshot

    async def _driver(self) -> Any:
        """The asyncpg connection under ``self.conn``, inside the caller's transaction.

        SQLAlchemy's asyncpg adapter begins its transaction lazily, at the first
        statement; it is begun here the same way (so commit and rollback stay
        SQLAlchemy's), falling back to a trivial statement should the adapter's
        internals ever change.
        """
        if self._raw is not None:
            return self._raw
        fairy = await self.conn.get_raw_connection()
        adapted: Any = fairy.dbapi_connection
        if getattr(adapted, "_transaction", False) is None and hasattr(
            adapted, "_start_transaction"
        ):
            if not adapted.autocommit:
                try:
                    await adapted._start_transaction()
                except BaseException as exc:
                    # Cancelled with BEGIN in flight, the driver's idea of the
                    # transaction no longer matches the server's: this connection
                    # is closed rather than handed out again (SQLAlchemy does the
                    # same for its own statements).
                    await self.conn.invalidate(exc)
                    raise
        elif not self.conn.in_transaction() or getattr(adapted, "_transaction", None) is None:
            await self.conn.exec_driver_sql("SELECT 1")
        self._raw = fairy.driver_connection
        return self._raw

    async def _pg(self, method: str, sql: str, *args: Any) -> Any:
        """Run ``sql`` on the asyncpg connection, raising SQLAlchemy's exception types."""
        driver = await self._driver()
        try:
            return await getattr(driver, method)(sql, *args)
        except asyncpg.PostgresError as exc:
            raise as_sqlalchemy_error(sql, exc) from exc

    async def _pg_snapshot(
        self,
        keys: list[str],
        pairs: list[tuple[str, str]],
        book_codes: list[str],
        *,
        ids: list[int] | None = None,
    ) -> _Snapshot:
        """The lock call; ``ids``: entry ids allocated beforehand (else the call
        allocates one per key, a row each)."""
        rows = await self._pg(
            "fetch",
            _PG_LOCK,
            keys,
            [book for book, _ in pairs],
            [code for _, code in pairs],
            book_codes,
            0 if ids is not None else len(keys),
        )
        snapshot = _Snapshot()
        for row in rows:
            kind = row[0]
            if kind == 0:
                snapshot.targets[(row[4], row[5])] = Target(
                    id=row[1],
                    book=row[4],
                    code=row[5],
                    currency=row[6],
                    opened_on=row[8],
                    closed_on=row[9],
                    balance=row[2],
                    version=row[3],
                    head_hash=row[7],
                    dmnec=row[10],
                    cmned=row[11],
                )
            elif kind == 1:
                snapshot.existing[row[4]] = (row[1], row[5])
            elif kind == 2:
                snapshot.book_ids[row[4]] = row[1]
            else:
                snapshot.entry_ids.append(row[1])
        if ids is not None:
            snapshot.entry_ids = ids
        snapshot.entry_ids.sort()
        return snapshot

    async def _entry_ids(self, count: int) -> list[int]:
        """``count`` fresh entry ids in one array (as rows, 100,000 ids cost ≈ 0.3 s
        to build, send and decode)."""
        return list(await self._pg("fetchval", _PG_IDS, count))

    async def _pg_write(self, rows: sealing.Chunk) -> None:
        """A small batch: one ``ledger_write`` call (postings, then their entries)."""
        posting_cols = [list(col) for col in zip(*rows.postings, strict=True)]
        entry_cols = [list(col) for col in zip(*rows.entries, strict=True)]
        await self._pg("execute", _PG_WRITE, *posting_cols, entry_cols[0][0], *entry_cols[1:])

    async def _pg_stream(self, chunks: Iterator[sealing.Chunk | None]) -> None:
        """A large batch: ``COPY`` chunk by chunk while the next chunk is sealed.

        Each chunk holds whole entries: its postings are copied, then its entries
        (statement triggers fire once per ``COPY``; the entries trigger finds the
        postings it checks in place). At most one ``COPY`` is in flight; sealing
        goes on meanwhile, yielding to the event loop at the generator's yield
        points so the ``COPY`` data keeps flowing. The database and Python work
        side by side instead of in turn. If sealing refuses an entry, the
        ``COPY`` in flight is let finish (the caller's transaction rolls it back).
        """
        driver = await self._driver()
        in_flight: asyncio.Task[None] | None = None
        try:
            for chunk in chunks:
                if chunk is None:
                    await asyncio.sleep(0)
                    if in_flight is not None and in_flight.done():
                        in_flight.result()  # a refusal by the database stops sealing
                    continue
                if in_flight is not None:
                    await in_flight
                in_flight = asyncio.create_task(self._copy(driver, chunk))
            if in_flight is not None:
                await in_flight
        except BaseException:
            if in_flight is not None and not in_flight.done():
                await asyncio.wait([in_flight])
            raise

    @staticmethod
    async def _copy(driver: Any, chunk: sealing.Chunk) -> None:
        for table, columns, rows in (
            ("ledger_postings", sealing.POSTING_COLUMNS, chunk.postings),
            ("ledger_entries", sealing.ENTRY_COLUMNS, chunk.entries),
        ):
            try:
                await driver.copy_records_to_table(table, records=rows, columns=columns)
            except asyncpg.PostgresError as exc:
                raise as_sqlalchemy_error(f"COPY {table}", exc) from exc

    # -- the write path, SQLite: the write lock is held since BEGIN IMMEDIATE -------

    async def _sqlite_snapshot(
        self, pairs: Sequence[tuple[str, str]], book_codes: Sequence[str], entries: int
    ) -> _Snapshot:
        snapshot = _Snapshot()
        for code, book_id in await self.conn.execute(
            select(books.c.code, books.c.id).where(books.c.code.in_(book_codes))
        ):
            snapshot.book_ids[code] = book_id
        for chunk in chunks(pairs):
            for row in await self.conn.execute(
                _TARGETS.where(tuple_(books.c.code, accounts.c.code).in_(chunk))
            ):
                snapshot.targets[(row.book_code, row.code)] = Target(
                    id=row.id,
                    book=row.book_code,
                    code=row.code,
                    currency=row.currency,
                    opened_on=row.opened_on,
                    closed_on=row.closed_on,
                    balance=row.balance,
                    version=row.version,
                    head_hash=row.head_hash,
                    dmnec=bool(row.debits_must_not_exceed_credits),
                    cmned=bool(row.credits_must_not_exceed_debits),
                )
        # BEGIN IMMEDIATE holds the database's write lock: max(id) cannot move.
        start = int((await self.conn.execute(_MAX_ENTRY_ID)).scalar_one())
        snapshot.entry_ids = list(range(start + 1, start + 1 + entries))
        return snapshot

    async def _sqlite_insert(self, rows: sealing.Chunk) -> None:
        await self.conn.execute(
            postings.insert(),
            [dict(zip(sealing.POSTING_COLUMNS, row, strict=True)) for row in rows.postings],
        )
        await self.conn.execute(
            entries.insert(),
            [dict(zip(sealing.ENTRY_COLUMNS, row, strict=True)) for row in rows.entries],
        )

    # -- the write path, both dialects -----------------------------------------------

    async def _write(
        self, items: Iterator[Prepared], snapshot: _Snapshot, *, copy: bool
    ) -> tuple[dict[str, sealing.Written], dict[str, int]]:
        """Check, seal and insert ``items`` as they come (:func:`to_write`):
        what each new entry was written with, by idempotency key, and the keys replayed (key ->
        entry id). ``copy``: a large batch, streamed through ``COPY``."""
        postgres = self._dialect == "postgresql"
        posted: dict[str, sealing.Written] = {}
        replayed: dict[str, int] = {}
        chunks = sealing.seal(
            to_write(items, snapshot.existing, snapshot.book_ids, snapshot.targets, replayed),
            snapshot.entry_ids,
            snapshot.book_ids,
            snapshot.targets,
            booking_time(),
            posted,
            chunk_postings=_PG_CHUNK,
            first_chunk_postings=_PG_FIRST_CHUNK,
            metadata_as_text=postgres,
        )
        if postgres and copy:
            await translated(self._pg_stream(chunks))
        else:
            rows = sealing.gathered(chunks)
            if rows.entries:
                write = self._pg_write if postgres else self._sqlite_insert
                await translated(write(rows))
        return posted, replayed

    async def reverse(
        self,
        entry_id: int,
        *,
        reason: str,
        idempotency_key: str,
        actor: str,
        effective_date: date | None = None,
    ) -> JournalEntry:
        """Post the exact opposite of entry ``entry_id``, linked to it; at most once."""
        original = (await self.entries_by_id([entry_id])).get(entry_id)
        if original is None:
            raise RiskpoolError(ErrorCode.UNKNOWN_ENTRY, f"no entry #{entry_id}", field="entry")
        if not reason.strip():
            raise RiskpoolError(
                ErrorCode.INVALID_ENTRY, "a reversal needs a reason", field="reason"
            )
        spec = EntrySpec(
            book=original.book,
            effective_date=effective_date or original.effective_date,
            description=f"冲正 Reversal of #{original.id}: {reason}",
            postings=tuple(PostingSpec(p.account, -p.amount) for p in original.postings),
            idempotency_key=idempotency_key,
            actor=actor,
            metadata={"reverses": original.id, "reason": reason},
            reverses=original.id,
        )
        prepared = prepare(spec)
        existing = await self._existing_keys([idempotency_key])
        if idempotency_key not in existing:
            already = await self.conn.execute(
                select(entries.c.id).where(entries.c.reverses_entry_id == original.id)
            )
            reversal = already.scalar_one_or_none()
            if reversal is not None:
                raise RiskpoolError(
                    ErrorCode.ALREADY_REVERSED,
                    f"entry #{original.id} was already reversed by #{reversal}",
                    field="entry",
                )
        elif existing[idempotency_key][1] != prepared.payload_hash:
            raise RiskpoolError(
                ErrorCode.IDEMPOTENCY_CONFLICT,
                f"key {idempotency_key!r} was used with a different payload",
                field="idempotencyKey",
            )
        return await self.post(spec)
