"""The ledger on one open database connection: the one write path, over the reads.

:class:`LedgerStore` is the ledger's whole surface on a connection: it adds the
write path (this module) to the reads and reports of
:mod:`riskpool.ledger.reads`, which build on the books and accounts of
:mod:`riskpool.ledger.accounts`. It does not begin or commit: it runs inside
whatever transaction its caller holds, so a domain use case posts its entries
in the same transaction as its own changes (one unit of work = one
transaction). :class:`riskpool.ledger.service.Ledger` wraps it with a
transaction per call for callers that only need the ledger.

There is one way to post, :meth:`LedgerStore.post_many` (``post`` and
``reverse`` are batches of one), whatever the batch size:

1. **lock** the balance rows of every account the batch names, **in
   account-id order** (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
   write transaction's ``BEGIN IMMEDIATE`` already holds the database's write
   lock), reading each one's balance, version and chain head from the locked
   row; read the idempotency keys already used and allocate entry ids;
2. **validate** each request, in batch order, first without the database
   (:mod:`riskpool.ledger.requests`: amounts exact, ≥ 2 postings, each account
   once, zero-sum per currency, metadata), then against the locked state
   (:mod:`riskpool.ledger.checks`: replay or ``IDEMPOTENCY_CONFLICT``, book and
   accounts exist, currencies, open dates);
3. **seal** (:mod:`riskpool.ledger.sealing`: balance flags posting by posting,
   sequence numbers, chain links, hashes);
4. **insert**, set-based: the postings, then the entry rows
   (``INSERT … SELECT FROM unnest(…)`` on PostgreSQL, ``executemany`` on
   SQLite), in chunks of :data:`CHUNK_ENTRIES` entries, so a large batch (the
   demo load, a history import) takes the same path as a use case's one or two
   entries. The database re-checks what it can when the entry rows arrive and
   moves the cached balances and chain heads itself (``ledger/sql/``).

The first request that fails refuses the whole batch with its error, and
nothing is written. A refusal by the database's own guards is raised as its
typed error (:func:`riskpool.db.refusal`); a unique violation (a concurrent
writer took an idempotency key, or reversed the same entry, first) is raised
unchanged: the transaction is lost, and a retry in a fresh one sees the
winner (:class:`~riskpool.ledger.service.Ledger` retries once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeGuard

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.db import is_unique_violation, refusal
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger import hashing
from riskpool.ledger.accounts import chunks, in_list_size, one_of
from riskpool.ledger.checks import Target, business_date, to_write
from riskpool.ledger.daily import earliest_date, load_later_days
from riskpool.ledger.model import EntrySpec, JournalEntry, PostingSpec
from riskpool.ledger.reads import LedgerReads
from riskpool.ledger.requests import prepare
from riskpool.ledger.schema import accounts, balances, books, entries, postings
from riskpool.ledger.sealing import ENTRY_COLUMNS, POSTING_COLUMNS, Sealed, seal

CHUNK_ENTRIES = 5_000
"""Entries per pair of INSERT statements: bounds a statement's arrays (and the
triggers' work per statement) for a large batch; a use case's batch is one chunk."""

# PostgreSQL: one statement per table and chunk, the rows as one array per column.
_PG_POSTINGS = text(
    f"INSERT INTO ledger_postings ({', '.join(POSTING_COLUMNS)}) "
    "SELECT * FROM unnest(CAST(:entry_id AS bigint[]), CAST(:account_id AS bigint[]), "
    "CAST(:currency AS text[]), CAST(:amount AS bigint[]), CAST(:account_seq AS bigint[]), "
    "CAST(:balance_after AS bigint[]), CAST(:prev_hash AS text[]))"
)
_PG_ENTRIES = text(
    f"INSERT INTO ledger_entries (booked_at, {', '.join(ENTRY_COLUMNS)}) "
    "SELECT CAST(:booked_at AS timestamptz), u.id, u.book_id, u.effective_date, u.description, "
    "CAST(u.metadata AS json), u.idempotency_key, u.payload_hash, u.actor, "
    "u.reverses_entry_id, u.entry_hash "
    "FROM unnest(CAST(:id AS bigint[]), CAST(:book_id AS bigint[]), "
    "CAST(:effective_date AS date[]), CAST(:description AS text[]), "
    "CAST(:metadata AS text[]), CAST(:idempotency_key AS text[]), "
    "CAST(:payload_hash AS text[]), CAST(:actor AS text[]), "
    "CAST(:reverses_entry_id AS bigint[]), CAST(:entry_hash AS text[])) "
    f"AS u({', '.join(ENTRY_COLUMNS)})"
)
_PG_ENTRY_IDS = text("SELECT nextval('ledger_entry_id_seq') FROM generate_series(1, :n)")


def booking_time() -> datetime:
    """The clock every post stamps ``booked_at`` with (one place, so tests can fix it)."""
    return datetime.now(UTC)


@dataclass(slots=True)
class _Locked:
    """What a batch needs from the database before it can be sealed."""

    existing: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> (id, payload)
    book_ids: dict[str, int] = field(default_factory=dict)
    targets: dict[tuple[str, str], Target] = field(default_factory=dict)
    entry_ids: list[int] = field(default_factory=list)


class LedgerStore(LedgerReads):
    """The ledger's operations bound to one connection; see the module docstring."""

    def __init__(self, conn: AsyncConnection, *, backdating_days: int | None = None) -> None:
        """``backdating_days``: how far before today's business date an entry may
        be dated (None: as far as the open periods allow, for a history import)."""
        super().__init__(conn)
        self._backdating_days = backdating_days
        self._postgres = self._dialect == "postgresql"
        self._chunk = in_list_size(self._dialect)

    # -- posting ----------------------------------------------------------------

    async def post(self, spec: EntrySpec) -> JournalEntry:
        """Post one entry: a batch of one."""
        return (await self.post_many([spec]))[0]

    async def post_many(self, specs: Sequence[EntrySpec]) -> list[JournalEntry]:
        """Post a batch, all or nothing, in request order; a replayed request
        (same key, same payload, earlier or within the batch) returns its first
        entry. See the module docstring for the steps."""
        keys, pairs = _named(specs)
        locked = await self._lock(keys, pairs)
        await load_later_days(self.conn, locked.targets, earliest_date(specs))
        replayed: dict[str, int] = {}
        items = map(prepare, specs)  # validated in turn, as to_write asks for them
        now = booking_time()
        checked = to_write(
            items,
            locked.existing,
            locked.book_ids,
            locked.targets,
            replayed,
            business_date(now),
            self._backdating_days,
        )
        sealed = seal(checked, locked.entry_ids, locked.book_ids, locked.targets, now)
        await self._insert(sealed)
        written = dict(sealed.written)
        if replayed:
            loaded = await self.entries_by_id(list(replayed.values()))
            written.update({key: loaded[entry_id] for key, entry_id in replayed.items()})
        return [written[key] for key in (spec.idempotency_key for spec in specs)]

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
            reversal = await self.reversal_of(original.id)
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

    # -- step 1: lock, read keys and books, allocate ids ---------------------------

    async def _lock(self, keys: list[str], pairs: list[tuple[str, str]]) -> _Locked:
        locked = _Locked()
        book_codes = sorted({book for book, _code in pairs})
        for code, book_id in await self.conn.execute(
            select(books.c.code, books.c.id).where(books.c.code.in_(book_codes))
        ):
            locked.book_ids[code] = book_id
        # The accounts first (their id, book, code and currency never change, so
        # they need no lock), then their balance rows, locked in one global
        # account-id order however many statements it takes: no lock cycle.
        found: dict[int, tuple[str, str, str, date, date | None]] = {}
        wanted = set(pairs)
        codes = sorted({code for _book, code in pairs})
        for chunk in chunks(codes, self._chunk):  # by code, then the pairs asked for
            rows = await self.conn.execute(
                select(
                    accounts.c.id,
                    books.c.code,
                    accounts.c.code,
                    accounts.c.currency,
                    accounts.c.opened_on,
                    accounts.c.closed_on,
                )
                .select_from(accounts.join(books, books.c.id == accounts.c.book_id))
                .where(one_of(accounts.c.code, chunk, self._dialect))
            )
            for account_id, book, code, currency, opened_on, closed_on in rows:
                if (book, code) in wanted:
                    found[account_id] = (book, code, currency, opened_on, closed_on)
        for ids in chunks(sorted(found), self._chunk):
            rows = await self.conn.execute(
                select(
                    balances.c.account_id,
                    balances.c.balance,
                    balances.c.version,
                    balances.c.head_hash,
                    balances.c.debits_must_not_exceed_credits,
                    balances.c.credits_must_not_exceed_debits,
                )
                .where(one_of(balances.c.account_id, ids, self._dialect))
                .order_by(balances.c.account_id)
                .with_for_update()
            )
            for account_id, balance, version, head, dmnec, cmned in rows:
                book, code, currency, opened_on, closed_on = found[account_id]
                locked.targets[(book, code)] = Target(
                    id=account_id,
                    book=book,
                    code=code,
                    currency=currency,
                    opened_on=opened_on,
                    closed_on=closed_on,
                    balance=balance,
                    version=version,
                    head_hash=head,
                    dmnec=bool(dmnec),
                    cmned=bool(cmned),
                )
        locked.existing = await self._existing_keys(keys)
        locked.entry_ids = await self._entry_ids(len(keys) - len(locked.existing))
        return locked

    async def _entry_ids(self, count: int) -> list[int]:
        """``count`` fresh entry ids, ascending. They are needed before the insert
        (postings come first); PostgreSQL takes them from its sequence, SQLite
        counts on from ``max(id)``, which its write lock keeps still."""
        if count <= 0:
            return []
        if self._postgres:
            return sorted((await self.conn.execute(_PG_ENTRY_IDS, {"n": count})).scalars())
        start = (await self.conn.execute(select(func.coalesce(func.max(entries.c.id), 0)))).scalar()
        return list(range(int(start or 0) + 1, int(start or 0) + 1 + count))

    # -- step 4: insert, set-based, in chunks ---------------------------------------

    async def _insert(self, sealed: Sealed) -> None:
        """Postings, then their entries, chunk by chunk (whole entries per chunk)."""
        start = 0
        rows = sealed.postings
        for first in range(0, len(sealed.entries), CHUNK_ENTRIES):
            chunk = sealed.entries[first : first + CHUNK_ENTRIES]
            last_id = chunk[-1][0]
            stop = start
            while stop < len(rows) and rows[stop][0] <= last_id:
                stop += 1
            try:
                await self._insert_chunk(sealed.booked_at, rows[start:stop], chunk)
            except DBAPIError as exc:
                typed = None if is_unique_violation(exc) else refusal(exc)
                if typed is not None:
                    raise typed from exc
                raise
            start = stop

    async def _insert_chunk(
        self, booked_at: datetime, posting_rows: list[tuple[Any, ...]], entry_rows: list[Any]
    ) -> None:
        if self._postgres:
            await self.conn.execute(_PG_POSTINGS, _columns(POSTING_COLUMNS, posting_rows))
            entry_columns = _columns(ENTRY_COLUMNS, entry_rows)
            entry_columns["metadata"] = [
                hashing.canonical_text(m) for m in entry_columns["metadata"]
            ]
            await self.conn.execute(_PG_ENTRIES, {"booked_at": booked_at, **entry_columns})
            return
        await self.conn.execute(
            postings.insert(),
            [dict(zip(POSTING_COLUMNS, row, strict=True)) for row in posting_rows],
        )
        await self.conn.execute(
            entries.insert(),
            [
                {"booked_at": booked_at, **dict(zip(ENTRY_COLUMNS, row, strict=True))}
                for row in entry_rows
            ],
        )


def _named(specs: Sequence[EntrySpec]) -> tuple[list[str], list[tuple[str, str]]]:
    """The distinct idempotency keys and (book, account code) pairs the requests
    name, read before they are validated (the lock comes first). A value that is
    not text, or holds NUL (which PostgreSQL cannot store), is left out: the
    request holding it is refused by validation in its turn."""
    keys: dict[str, None] = {}
    pairs: set[tuple[str, str]] = set()
    for spec in specs:
        if _sendable(spec.idempotency_key):
            keys[spec.idempotency_key] = None
        if not _sendable(spec.book):
            continue
        for posting in spec.postings:
            account = getattr(posting, "account", None)
            if _sendable(account):
                pairs.add((spec.book, account))
    return list(keys), sorted(pairs)


def _sendable(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and "\x00" not in value


def _columns(names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Rows as one list per column, by column name (the arrays ``unnest`` takes)."""
    return {name: list(column) for name, column in zip(names, zip(*rows, strict=True), strict=True)}
