"""The ledger on one open database connection: the write path, over the reads.

:class:`LedgerStore` is the ledger's whole surface on a connection: it adds the
write path (this module) to the reads and reports of
:mod:`riskpool.ledger.reads`, which build on the books and accounts of
:mod:`riskpool.ledger.accounts`. It does not begin or commit: it runs inside whatever
transaction its caller holds, so a domain use case can post its entries in the
same transaction as its own changes (one unit of work = one transaction).
:class:`riskpool.ledger.service.Ledger` wraps it with a transaction per call for
callers that only need the ledger.

The write path, for a batch of entries:

1. validate every request in Python (amounts exact, ≥ 2 postings, each account
   once, zero-sum per currency, metadata) — nothing touches the database yet;
2. look up idempotency keys: a replay returns the stored entry, a key reused
   with another payload is ``IDEMPOTENCY_CONFLICT``;
3. resolve books and accounts, check currency and open/closed dates;
4. lock the balance rows of every touched account **in account-id order**
   (``SELECT … FOR UPDATE``; ``BEGIN IMMEDIATE`` on SQLite), read each
   account's balance, version and chain head (``head_hash``) from the locked
   row, allocate entry ids, and apply the balance flags posting by posting
   (``INSUFFICIENT_FUNDS``);
5. seal each entry (hash over its fields and postings, chained to each
   account's head) and write the postings, then the entry rows (the database
   re-checks the sums when the entry rows arrive, moves the cached balances and
   the chain heads); the returned entries are built from what was written.

Round trips. On PostgreSQL steps 2–4 are one statement and step 5 one call of
the migration's ``ledger_write`` (two set-based ``INSERT … SELECT FROM
unnest(…)``; ``COPY`` for large batches), both on the asyncpg connection under
the SQLAlchemy one and inside its transaction — so a ``post`` is BEGIN, two
round trips, COMMIT, and the statement-level triggers run once per chunk of a
batch rather than once per row. SQLite (not benchmarked) keeps SQLAlchemy Core
statements and ``executemany`` (its triggers are row-level anyway).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger import hashing, onecall
from riskpool.ledger.accounts import chunks
from riskpool.ledger.checks import Target, balance_after, check_accounts
from riskpool.ledger.model import (
    EntrySpec,
    JournalEntry,
    Posting,
    PostingSpec,
    freeze_metadata,
)
from riskpool.ledger.money import from_minor
from riskpool.ledger.onecall import as_sqlalchemy_error
from riskpool.ledger.reads import LedgerReads
from riskpool.ledger.requests import Prepared, prepare
from riskpool.ledger.schema import accounts, balances, books, entries, postings

T = TypeVar("T")

_PG_CHUNK = 50_000  # posting rows per set-based write on PostgreSQL
_PG_COPY_MIN = 2_000  # from this many postings, COPY (cheaper per row, 2 more round trips)

# PostgreSQL, steps 2–4 in one round trip: the migration's ``ledger_lock``
# returns the idempotency keys already used, the books, every account posted
# to with its balance row *locked* (in account-id order) and fresh entry ids;
# balance, version and chain head come from the locked rows themselves, which
# is what makes them safe to use under READ COMMITTED (see its comment). A
# function so that its plan is made once per session: as a plain prepared
# statement PostgreSQL re-planned it on every call (≈ 200 µs of its ≈ 260 µs).
_PG_LOCK = "SELECT * FROM ledger_lock($1::text[], $2::varchar[], $3::varchar[], $4::text[], $5)"

# Postings, then their entries, in one round trip: the migration's
# ``ledger_write`` runs two set-based INSERTs (unnest of arrays), so each
# statement-level trigger runs once per call (asyncpg's executemany would run
# them once per row). Large batches are cut into calls of about _PG_CHUNK
# postings, each with whole entries.
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
_POSTING_COLUMNS = (
    "entry_id",
    "account_id",
    "currency",
    "amount",
    "account_seq",
    "balance_after",
    "prev_hash",
)
_ENTRY_COLUMNS = (
    "id",
    "book_id",
    "effective_date",
    "description",
    "metadata",
    "idempotency_key",
    "payload_hash",
    "actor",
    "reverses_entry_id",
    "entry_hash",
)


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
        """Post one entry. On PostgreSQL that is one call of ``ledger_post`` (see
        :mod:`riskpool.ledger.onecall`); otherwise a batch of one."""
        if self._dialect == "postgresql":
            item = prepare(spec)
            outcome = await translated(onecall.post_one(await self._driver(), item, booking_time()))
            if isinstance(outcome, onecall.Replay):
                return (await self.entries_by_id([outcome.entry_id]))[outcome.entry_id]
            if outcome is not None:
                return outcome
        return (await self.post_many([spec]))[0]

    async def post_many(self, specs: Sequence[EntrySpec]) -> list[JournalEntry]:
        """Post a batch, all or nothing; replays inside it return their first entries.

        The entries returned for new postings are built from what was written
        (they equal what :meth:`entry` loads later); only replays are read back.
        """
        prepared = [prepare(spec) for spec in specs]
        by_key: dict[str, Prepared] = {}
        for item in prepared:
            key = item.spec.idempotency_key
            earlier = by_key.get(key)
            if earlier is not None and earlier.payload_hash != item.payload_hash:
                raise RiskpoolError(
                    ErrorCode.IDEMPOTENCY_CONFLICT,
                    f"key {key!r} used twice in the batch with different payloads",
                    field="idempotencyKey",
                )
            by_key[key] = item

        snapshot: _Snapshot | None = None
        if self._dialect == "postgresql":
            # One round trip: keys, books, accounts, balance-row locks, entry ids.
            snapshot = await self._pg_snapshot(list(by_key.values()))
            existing = snapshot.existing
        else:
            existing = await self._existing_keys(list(by_key))
        fresh: list[Prepared] = []
        for key, item in by_key.items():
            stored = existing.get(key)
            if stored is None:
                fresh.append(item)
            elif stored[1] != item.payload_hash:
                raise RiskpoolError(
                    ErrorCode.IDEMPOTENCY_CONFLICT,
                    f"key {key!r} was used for entry #{stored[0]} with a different payload",
                    field="idempotencyKey",
                )

        posted: dict[str, JournalEntry] = {}
        if fresh:
            if snapshot is None:
                snapshot = await self._sqlite_snapshot(fresh)
            posted = await self._write(fresh, snapshot)
        if len(posted) < len(by_key):
            replayed = await self.entries_by_id([existing[key][0] for key in existing])
            for key, (entry_id, _digest) in existing.items():
                posted[key] = replayed[entry_id]
        return [posted[item.spec.idempotency_key] for item in prepared]

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
                await adapted._start_transaction()
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

    async def _pg_snapshot(self, items: Sequence[Prepared]) -> _Snapshot:
        book_codes = sorted({item.spec.book for item in items})
        pairs = sorted({(item.spec.book, leg[0]) for item in items for leg in item.legs})
        rows = await self._pg(
            "fetch",
            _PG_LOCK,
            [item.spec.idempotency_key for item in items],
            [book for book, _ in pairs],
            [code for _, code in pairs],
            book_codes,
            len(items),
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
        snapshot.entry_ids.sort()
        return snapshot

    async def _pg_insert(
        self,
        posting_cols: list[list[Any]],
        entry_cols: list[list[Any]],
        booked_at: datetime,
        cuts: list[tuple[int, int]],
    ) -> None:
        """One ``ledger_write`` call per chunk; ``cuts`` are (entry end, posting end).

        Large batches use ``COPY`` instead (it fires statement triggers once per
        COPY too): all posting chunks first, then all entry chunks, so every
        entry's postings are in place when the entries trigger checks them.
        """
        if len(posting_cols[0]) >= _PG_COPY_MIN:
            driver = await self._driver()
            entries_rows = list(zip(*entry_cols, strict=True))
            posting_rows = list(zip(*posting_cols, strict=True))
            booked = [booked_at] * len(entries_rows)
            for table, columns, rows in (
                ("ledger_postings", _POSTING_COLUMNS, posting_rows),
                (
                    "ledger_entries",
                    ("booked_at", *_ENTRY_COLUMNS),
                    [(b, *row) for b, row in zip(booked, entries_rows, strict=True)],
                ),
            ):
                for start in range(0, len(rows), _PG_CHUNK):
                    try:
                        await driver.copy_records_to_table(
                            table, records=rows[start : start + _PG_CHUNK], columns=columns
                        )
                    except asyncpg.PostgresError as exc:
                        raise as_sqlalchemy_error(f"COPY {table}", exc) from exc
            return
        entry_start = posting_start = 0
        for entry_end, posting_end in cuts:
            await self._pg(
                "execute",
                _PG_WRITE,
                *(c[posting_start:posting_end] for c in posting_cols),
                booked_at,
                *(c[entry_start:entry_end] for c in entry_cols),
            )
            entry_start, posting_start = entry_end, posting_end

    # -- the write path, SQLite: the write lock is held since BEGIN IMMEDIATE -------

    async def _sqlite_snapshot(self, items: Sequence[Prepared]) -> _Snapshot:
        snapshot = _Snapshot()
        book_codes = sorted({item.spec.book for item in items})
        for code, book_id in await self.conn.execute(
            select(books.c.code, books.c.id).where(books.c.code.in_(book_codes))
        ):
            snapshot.book_ids[code] = book_id
        wanted = sorted({(item.spec.book, leg[0]) for item in items for leg in item.legs})
        for chunk in chunks(wanted):
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
        snapshot.entry_ids = list(range(start + 1, start + 1 + len(items)))
        return snapshot

    async def _sqlite_insert(
        self, posting_cols: list[list[Any]], entry_cols: list[list[Any]], booked_at: datetime
    ) -> None:
        await self.conn.execute(
            postings.insert(),
            [
                dict(zip(_POSTING_COLUMNS, row, strict=True))
                for row in zip(*posting_cols, strict=True)
            ],
        )
        await self.conn.execute(
            entries.insert(),
            [
                {"booked_at": booked_at, **dict(zip(_ENTRY_COLUMNS, row, strict=True))}
                for row in zip(*entry_cols, strict=True)
            ],
        )

    # -- the write path, both dialects -----------------------------------------------

    async def _write(
        self, items: Sequence[Prepared], snapshot: _Snapshot
    ) -> dict[str, JournalEntry]:
        """Check, seal and insert ``items``; return their entries by idempotency key."""
        book_ids = snapshot.book_ids
        targets = snapshot.targets
        check_accounts(items, book_ids, targets)

        booked_at = booking_time()
        # Column-wise rows: (entry, account, currency, amount, seq, balance after, prev).
        p_entry: list[int] = []
        p_account: list[int] = []
        p_currency: list[str] = []
        p_amount: list[int] = []
        p_seq: list[int] = []
        p_after: list[int] = []
        p_prev: list[str] = []
        e_cols: list[list[Any]] = [[] for _ in range(10)]
        (e_id, e_book, e_date, e_text, e_meta, e_key, e_payload, e_actor, e_rev, e_hash) = e_cols
        posted: dict[str, JournalEntry] = {}
        entry_hash = hashing.entry_hash
        cuts: list[tuple[int, int]] = []  # chunk ends: (entries, postings)
        chunk, chunk_start = _PG_CHUNK, 0
        for entry_id, item in zip(snapshot.entry_ids, items, strict=False):
            spec = item.spec
            book_id = book_ids[spec.book]
            sealed: list[tuple[int, str, int, int, int, str]] = []
            moved: list[Target] = []
            for code, currency, units in item.legs:
                target = targets[(spec.book, code)]
                after = balance_after(target, currency, units)
                seq = target.version + 1
                sealed.append((target.id, currency, units, seq, after, target.head_hash))
                target.balance = after
                target.version = seq
                moved.append(target)
            digest = entry_hash(
                entry_id=entry_id,
                book_id=book_id,
                effective_date=spec.effective_date,
                booked_at=booked_at,
                description=spec.description,
                metadata=item.metadata,
                idempotency_key=spec.idempotency_key,
                actor=spec.actor,
                reverses=spec.reverses,
                postings=sealed,
            )
            legs_out: list[Posting] = []
            for target, (account_id, currency, units, seq, after, prev) in zip(
                moved, sealed, strict=True
            ):
                target.head_hash = digest
                p_entry.append(entry_id)
                p_account.append(account_id)
                p_currency.append(currency)
                p_amount.append(units)
                p_seq.append(seq)
                p_after.append(after)
                p_prev.append(prev)
                legs_out.append(
                    Posting(
                        entry_id=entry_id,
                        account_id=account_id,
                        account=target.code,
                        amount=from_minor(units, currency),
                        account_seq=seq,
                        balance_after=from_minor(after, currency),
                        prev_hash=prev,
                    )
                )
            e_id.append(entry_id)
            e_book.append(book_id)
            e_date.append(spec.effective_date)
            e_text.append(spec.description)
            e_meta.append(item.metadata)
            e_key.append(spec.idempotency_key)
            e_payload.append(item.payload_hash)
            e_actor.append(spec.actor)
            e_rev.append(spec.reverses)
            e_hash.append(digest)
            if len(p_entry) - chunk_start >= chunk:
                cuts.append((len(e_id), len(p_entry)))
                chunk_start = len(p_entry)
            posted[spec.idempotency_key] = JournalEntry(
                id=entry_id,
                book=spec.book,
                effective_date=spec.effective_date,
                booked_at=booked_at,
                description=spec.description,
                metadata=freeze_metadata(item.metadata),
                idempotency_key=spec.idempotency_key,
                actor=spec.actor,
                reverses=spec.reverses,
                entry_hash=digest,
                postings=tuple(legs_out),
            )
        posting_cols: list[list[Any]] = [
            p_entry,
            p_account,
            p_currency,
            p_amount,
            p_seq,
            p_after,
            p_prev,
        ]
        if self._dialect == "postgresql":
            e_cols[4] = [hashing.canonical_text(m) if m else "{}" for m in e_meta]
            if chunk_start < len(p_entry):
                cuts.append((len(e_id), len(p_entry)))
            await translated(self._pg_insert(posting_cols, e_cols, booked_at, cuts))
        else:
            await translated(self._sqlite_insert(posting_cols, e_cols, booked_at))
        return posted

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
