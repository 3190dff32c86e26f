"""Ledger operations on one open database connection (inside a caller's transaction).

:class:`LedgerStore` does not begin or commit: it runs inside whatever
transaction its caller holds, so a domain use case can post its entries in the
same transaction as its own changes (one unit of work = one transaction).
:class:`riskpool.ledger.service.Ledger` wraps it with a transaction per call for
callers that only need the ledger.

The write path, for a batch of entries:

1. validate every request in Python (amounts exact, ≥ 2 postings, each account
   once, zero-sum per currency, metadata) — nothing touches the database yet;
2. look up idempotency keys: a replay returns the stored entry, a key reused
   with another payload is ``IDEMPOTENCY_CONFLICT``;
3. resolve accounts, check currency and open/closed dates;
4. lock the balance rows of every touched account **in account-id order**
   (``SELECT … FOR UPDATE``; ``BEGIN IMMEDIATE`` on SQLite), read each
   account's version and chain head, and apply the balance flags posting by
   posting (``INSUFFICIENT_FUNDS``);
5. write the postings, then the entry rows (the database re-checks the sums
   when the entry rows arrive and moves the cached balances).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from moneyed import Money
from sqlalchemy import case, func, select, text, tuple_
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger import hashing
from riskpool.ledger.model import (
    Account,
    AccountSpec,
    AccountStatement,
    AccountType,
    Book,
    EntrySpec,
    JournalEntry,
    Posting,
    PostingSpec,
    StatementLine,
    TrialBalance,
    TrialBalanceRow,
    freeze_metadata,
)
from riskpool.ledger.money import currency_exponent, from_minor, to_minor
from riskpool.ledger.schema import accounts, balances, books, entries, postings

MAX_DESCRIPTION = 2_000
MAX_KEY = 200
_CHUNK = 500  # bound on IN-lists and VALUES rows per statement


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A validated request: minor units per account code and its payload hash."""

    spec: EntrySpec
    legs: tuple[tuple[str, str, int], ...]  # (account code, currency, minor units)
    metadata: dict[str, Any]
    payload_hash: str


@dataclass(slots=True)
class _Head:
    """An account's locked state while a batch is computed."""

    balance: int
    version: int
    head_hash: str
    dmnec: bool
    cmned: bool


def prepare(spec: EntrySpec) -> _Prepared:
    """Validate a request without the database (step 1 of the write path)."""
    if not spec.book:
        raise RiskpoolError(ErrorCode.UNKNOWN_BOOK, "entry has no book", field="book")
    if not spec.idempotency_key or len(spec.idempotency_key) > MAX_KEY:
        raise RiskpoolError(
            ErrorCode.INVALID_ENTRY,
            f"idempotency key must be 1–{MAX_KEY} characters",
            field="idempotencyKey",
        )
    if not spec.actor or len(spec.actor) > 200:
        raise RiskpoolError(ErrorCode.INVALID_ENTRY, "entry needs an actor", field="actor")
    if len(spec.description) > MAX_DESCRIPTION:
        raise RiskpoolError(ErrorCode.INVALID_ENTRY, "description too long", field="description")
    if len(spec.postings) < 2:
        raise RiskpoolError(
            ErrorCode.UNBALANCED, "an entry needs at least two postings", field="postings"
        )
    seen: set[str] = set()
    legs: list[tuple[str, str, int]] = []
    sums: dict[str, int] = defaultdict(int)
    for index, leg in enumerate(spec.postings):
        if not isinstance(leg, PostingSpec) or not isinstance(leg.amount, Money):
            raise RiskpoolError(
                ErrorCode.INVALID_AMOUNT, "posting amount must be Money", field=f"postings.{index}"
            )
        if leg.account in seen:
            raise RiskpoolError(
                ErrorCode.INVALID_ENTRY,
                f"account {leg.account} appears twice in one entry; merge the postings",
                field=f"postings.{index}.account",
            )
        seen.add(leg.account)
        currency = leg.amount.currency.code
        units = to_minor(leg.amount)
        if units == 0:
            raise RiskpoolError(
                ErrorCode.INVALID_AMOUNT, "a posting of zero", field=f"postings.{index}.amount"
            )
        legs.append((leg.account, currency, units))
        sums[currency] += units
    unbalanced = {cur: total for cur, total in sums.items() if total != 0}
    if unbalanced:
        detail = ", ".join(
            f"{from_minor(total, cur).amount} {cur}" for cur, total in sorted(unbalanced.items())
        )
        raise RiskpoolError(
            ErrorCode.UNBALANCED, f"postings do not sum to zero: off by {detail}", field="postings"
        )
    metadata = hashing.check_metadata(spec.metadata)
    digest = hashing.payload_hash(
        book=spec.book,
        effective_date=spec.effective_date,
        description=spec.description,
        postings=legs,
        metadata=metadata,
        actor=spec.actor,
        reverses=spec.reverses,
    )
    return _Prepared(spec, tuple(legs), metadata, digest)


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


class LedgerStore:
    """The ledger's operations bound to one connection; see the module docstring."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self._dialect = conn.dialect.name

    # -- books and accounts ---------------------------------------------------

    async def create_book(self, code: str, name: str, description: str = "") -> Book:
        if not code or len(code) > 32:
            raise RiskpoolError(ErrorCode.INVALID_ACCOUNT, "book code must be 1–32 characters")
        if await self._book_row(code) is not None:
            raise RiskpoolError(ErrorCode.DUPLICATE, f"book {code} exists", field="code")
        result = await self.conn.execute(
            books.insert()
            .values(code=code, name=name, description=description)
            .returning(books.c.id)
        )
        return Book(id=result.scalar_one(), code=code, name=name, description=description)

    async def books(self) -> list[Book]:
        rows = await self.conn.execute(select(books).order_by(books.c.id))
        return [Book(r.id, r.code, r.name, r.description) for r in rows]

    async def book(self, code: str) -> Book:
        row = await self._book_row(code)
        if row is None:
            raise RiskpoolError(ErrorCode.UNKNOWN_BOOK, f"no book {code!r}", field="book")
        return Book(row.id, row.code, row.name, row.description)

    async def _book_row(self, code: str) -> Any:
        result = await self.conn.execute(select(books).where(books.c.code == code))
        return result.first()

    async def open_account(self, spec: AccountSpec) -> Account:
        book = await self.book(spec.book)
        if not spec.code or len(spec.code) > 64:
            raise RiskpoolError(ErrorCode.INVALID_ACCOUNT, "account code must be 1–64 characters")
        if not spec.name or len(spec.name) > 200:
            raise RiskpoolError(ErrorCode.INVALID_ACCOUNT, "account name must be 1–200 characters")
        currency_exponent(spec.currency)
        if spec.debits_must_not_exceed_credits and spec.credits_must_not_exceed_debits:
            raise RiskpoolError(ErrorCode.INVALID_ACCOUNT, "an account takes at most one flag")
        parent_id = None
        if spec.parent is not None:
            parent = await self.account(spec.book, spec.parent)
            parent_id = parent.id
        existing = await self.conn.execute(
            select(accounts.c.id).where(accounts.c.book_id == book.id, accounts.c.code == spec.code)
        )
        if existing.first() is not None:
            raise RiskpoolError(
                ErrorCode.DUPLICATE, f"account {spec.book}:{spec.code} exists", field="code"
            )
        result = await self.conn.execute(
            accounts.insert()
            .values(
                book_id=book.id,
                code=spec.code,
                name=spec.name,
                type=spec.type.value,
                currency=spec.currency,
                parent_id=parent_id,
                opened_on=spec.opened_on,
                closed_on=None,
                debits_must_not_exceed_credits=spec.debits_must_not_exceed_credits,
                credits_must_not_exceed_debits=spec.credits_must_not_exceed_debits,
            )
            .returning(accounts.c.id)
        )
        return await self.account_by_id(result.scalar_one())

    async def close_account(self, book: str, code: str, on: date) -> Account:
        """Close an account from ``on`` onwards; entries dated after it are refused."""
        account = await self.account(book, code)
        if account.closed_on is not None:
            raise RiskpoolError(ErrorCode.ACCOUNT_CLOSED, f"{book}:{code} is already closed")
        if on < account.opened_on:
            raise RiskpoolError(ErrorCode.INVALID_ACCOUNT, "closing date before opening date")
        later = await self.conn.execute(
            select(func.count())
            .select_from(postings.join(entries, entries.c.id == postings.c.entry_id))
            .where(postings.c.account_id == account.id, entries.c.effective_date > on)
        )
        if later.scalar_one():
            raise RiskpoolError(
                ErrorCode.INVALID_ACCOUNT, "the account has postings after the closing date"
            )
        await self.conn.execute(
            accounts.update().where(accounts.c.id == account.id).values(closed_on=on)
        )
        return await self.account_by_id(account.id)

    def account_query(self) -> Any:
        parent = accounts.alias("parent")
        return select(
            accounts,
            books.c.code.label("book_code"),
            parent.c.code.label("parent_code"),
        ).select_from(
            accounts.join(books, books.c.id == accounts.c.book_id).outerjoin(
                parent, parent.c.id == accounts.c.parent_id
            )
        )

    @staticmethod
    def account_from_row(row: Any) -> Account:
        return Account(
            id=row.id,
            book=row.book_code,
            code=row.code,
            name=row.name,
            type=AccountType(row.type),
            currency=row.currency,
            opened_on=row.opened_on,
            closed_on=row.closed_on,
            parent=row.parent_code,
            debits_must_not_exceed_credits=bool(row.debits_must_not_exceed_credits),
            credits_must_not_exceed_debits=bool(row.credits_must_not_exceed_debits),
        )

    async def account(self, book: str, code: str) -> Account:
        result = await self.conn.execute(
            self.account_query().where(books.c.code == book, accounts.c.code == code)
        )
        row = result.first()
        if row is None:
            raise RiskpoolError(
                ErrorCode.UNKNOWN_ACCOUNT, f"no account {book}:{code}", field="account"
            )
        return self.account_from_row(row)

    async def account_by_id(self, account_id: int) -> Account:
        result = await self.conn.execute(self.account_query().where(accounts.c.id == account_id))
        row = result.first()
        if row is None:
            raise RiskpoolError(ErrorCode.UNKNOWN_ACCOUNT, f"no account #{account_id}")
        return self.account_from_row(row)

    async def accounts(self, book: str | None = None) -> list[Account]:
        query = self.account_query().order_by(books.c.code, accounts.c.code)
        if book is not None:
            await self.book(book)
            query = query.where(books.c.code == book)
        return [self.account_from_row(row) for row in await self.conn.execute(query)]

    # -- posting ----------------------------------------------------------------

    async def post(self, spec: EntrySpec) -> JournalEntry:
        return (await self.post_many([spec]))[0]

    async def post_many(self, specs: Sequence[EntrySpec]) -> list[JournalEntry]:
        """Post a batch, all or nothing; replays inside it return their first entries."""
        prepared = [prepare(spec) for spec in specs]
        by_key: dict[str, _Prepared] = {}
        for item in prepared:
            earlier = by_key.get(item.spec.idempotency_key)
            if earlier is not None and earlier.payload_hash != item.payload_hash:
                raise RiskpoolError(
                    ErrorCode.IDEMPOTENCY_CONFLICT,
                    f"key {item.spec.idempotency_key!r} used twice in the batch with different "
                    "payloads",
                    field="idempotencyKey",
                )
            by_key[item.spec.idempotency_key] = item

        existing = await self._existing_keys(list(by_key))
        fresh: list[_Prepared] = []
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

        new_ids: dict[str, int] = {}
        if fresh:
            new_ids = await self._write(fresh)
        ids = {key: existing[key][0] for key in existing} | new_ids
        loaded = await self.entries_by_id([ids[key] for key in by_key])
        return [loaded[ids[item.spec.idempotency_key]] for item in prepared]

    async def _existing_keys(self, keys: Sequence[str]) -> dict[str, tuple[int, str]]:
        found: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(keys):
            rows = await self.conn.execute(
                select(entries.c.idempotency_key, entries.c.id, entries.c.payload_hash).where(
                    entries.c.idempotency_key.in_(chunk)
                )
            )
            for key, entry_id, digest in rows:
                found[key] = (entry_id, digest)
        return found

    async def _resolve(self, items: Sequence[_Prepared]) -> dict[tuple[str, str], Account]:
        wanted = sorted({(item.spec.book, leg[0]) for item in items for leg in item.legs})
        book_codes = sorted({item.spec.book for item in items})
        found_books = {
            row.code
            for row in await self.conn.execute(
                select(books.c.code).where(books.c.code.in_(book_codes))
            )
        }
        for code in book_codes:
            if code not in found_books:
                raise RiskpoolError(ErrorCode.UNKNOWN_BOOK, f"no book {code!r}", field="book")
        resolved: dict[tuple[str, str], Account] = {}
        for chunk in _chunks(wanted):
            rows = await self.conn.execute(
                self.account_query().where(tuple_(books.c.code, accounts.c.code).in_(chunk))
            )
            for row in rows:
                account = self.account_from_row(row)
                resolved[(account.book, account.code)] = account
        for book, code in wanted:
            if (book, code) not in resolved:
                raise RiskpoolError(
                    ErrorCode.UNKNOWN_ACCOUNT, f"no account {book}:{code}", field="postings"
                )
        return resolved

    async def _lock(self, account_ids: Sequence[int]) -> dict[int, _Head]:
        """Lock balance rows in id order, then read each account's chain head.

        Two statements on purpose: under READ COMMITTED a ``FOR UPDATE`` that
        waited for another writer returns the *new* balance row but joins it
        to rows of its *old* snapshot, which would miss the head the other
        writer just committed. The second statement takes a fresh snapshot,
        after the lock is ours.
        """
        heads: dict[int, _Head] = {}
        for chunk in _chunks(sorted(account_ids)):
            query = (
                select(balances)
                .where(balances.c.account_id.in_(chunk))
                .order_by(balances.c.account_id)
                .with_for_update()
            )
            for row in await self.conn.execute(query):
                heads[row.account_id] = _Head(
                    balance=row.balance,
                    version=row.version,
                    head_hash=hashing.GENESIS_HASH,
                    dmnec=bool(row.debits_must_not_exceed_credits),
                    cmned=bool(row.credits_must_not_exceed_debits),
                )
        tips = [(account_id, head.version) for account_id, head in heads.items() if head.version]
        for chunk in _chunks(tips):
            rows = await self.conn.execute(
                select(postings.c.account_id, entries.c.entry_hash)
                .select_from(postings.join(entries, entries.c.id == postings.c.entry_id))
                .where(tuple_(postings.c.account_id, postings.c.account_seq).in_(chunk))
            )
            for account_id, entry_hash in rows:
                heads[account_id].head_hash = entry_hash
        return heads

    async def _allocate_ids(self, count: int) -> list[int]:
        if self._dialect == "postgresql":
            rows = await self.conn.execute(
                text("SELECT nextval('ledger_entry_id_seq') FROM generate_series(1, :n)"),
                {"n": count},
            )
            return [row[0] for row in rows]
        # SQLite: this write transaction holds the database's write lock
        # (BEGIN IMMEDIATE), so max(id) cannot move under us.
        result = await self.conn.execute(select(func.coalesce(func.max(entries.c.id), 0)))
        start = int(result.scalar_one())
        return list(range(start + 1, start + 1 + count))

    async def _write(self, items: Sequence[_Prepared]) -> dict[str, int]:
        resolved = await self._resolve(items)
        for item in items:
            for code, currency, _units in item.legs:
                account = resolved[(item.spec.book, code)]
                if account.currency != currency:
                    raise RiskpoolError(
                        ErrorCode.CURRENCY_MISMATCH,
                        f"{account.book}:{account.code} is in {account.currency}, not {currency}",
                        field="postings",
                    )
                if not account.is_open_on(item.spec.effective_date):
                    raise RiskpoolError(
                        ErrorCode.ACCOUNT_CLOSED,
                        f"{account.book}:{account.code} is not open on "
                        f"{item.spec.effective_date.isoformat()}",
                        field="postings",
                    )
        book_ids = {
            row.code: row.id
            for row in await self.conn.execute(
                select(books.c.code, books.c.id).where(
                    books.c.code.in_(sorted({i.spec.book for i in items}))
                )
            )
        }
        heads = await self._lock(sorted({a.id for a in resolved.values()}))
        entry_ids = await self._allocate_ids(len(items))
        booked_at = _now()
        posting_rows: list[dict[str, Any]] = []
        entry_rows: list[dict[str, Any]] = []
        assigned: dict[str, int] = {}
        for entry_id, item in zip(entry_ids, items, strict=True):
            spec = item.spec
            sealed: list[tuple[int, str, int, int, int, str]] = []
            touched: list[_Head] = []
            for code, currency, units in item.legs:
                account = resolved[(spec.book, code)]
                head = heads[account.id]
                after = head.balance + units
                if (head.cmned and after < 0) or (head.dmnec and after > 0):
                    raise RiskpoolError(
                        ErrorCode.INSUFFICIENT_FUNDS,
                        f"{account.book}:{account.code} holds "
                        f"{from_minor(head.balance, currency).amount} {currency}; posting "
                        f"{from_minor(units, currency).amount} would break its "
                        + (
                            "no-overdraft flag"
                            if head.cmned
                            else "debits-must-not-exceed-credits flag"
                        ),
                        field="postings",
                    )
                row = {
                    "entry_id": entry_id,
                    "account_id": account.id,
                    "currency": currency,
                    "amount": units,
                    "account_seq": head.version + 1,
                    "balance_after": after,
                    "prev_hash": head.head_hash,
                }
                posting_rows.append(row)
                sealed.append(
                    (account.id, currency, units, head.version + 1, after, head.head_hash)
                )
                head.balance = after
                head.version += 1
                touched.append(head)
            digest = hashing.entry_hash(
                entry_id=entry_id,
                book_id=book_ids[spec.book],
                effective_date=spec.effective_date,
                booked_at=booked_at,
                description=spec.description,
                metadata=item.metadata,
                idempotency_key=spec.idempotency_key,
                actor=spec.actor,
                reverses=spec.reverses,
                postings=sealed,
            )
            for head in touched:
                head.head_hash = digest
            entry_rows.append(
                {
                    "id": entry_id,
                    "book_id": book_ids[spec.book],
                    "effective_date": spec.effective_date,
                    "booked_at": booked_at,
                    "description": spec.description,
                    "metadata": item.metadata,
                    "idempotency_key": spec.idempotency_key,
                    "payload_hash": item.payload_hash,
                    "actor": spec.actor,
                    "reverses_entry_id": spec.reverses,
                    "entry_hash": digest,
                }
            )
            assigned[spec.idempotency_key] = entry_id
        try:
            await self.conn.execute(postings.insert(), posting_rows)
            await self.conn.execute(entries.insert(), entry_rows)
        except DBAPIError as exc:
            if isinstance(exc, IntegrityError) and is_idempotency_race(exc):
                raise
            translated = translate_db_error(exc)
            if translated is not None:
                raise translated from exc
            raise
        return assigned

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

    # -- reading ----------------------------------------------------------------

    async def entries_by_id(self, entry_ids: Sequence[int]) -> dict[int, JournalEntry]:
        """Load entries with their postings, two queries per chunk of ids."""
        result: dict[int, JournalEntry] = {}
        unique = sorted(set(entry_ids))
        for chunk in _chunks(unique, 2_000):
            entry_rows = (
                await self.conn.execute(
                    select(entries, books.c.code.label("book_code"))
                    .select_from(entries.join(books, books.c.id == entries.c.book_id))
                    .where(entries.c.id.in_(chunk))
                )
            ).all()
            posting_rows = (
                await self.conn.execute(
                    select(postings, accounts.c.code.label("account_code"))
                    .select_from(postings.join(accounts, accounts.c.id == postings.c.account_id))
                    .where(postings.c.entry_id.in_(chunk))
                    .order_by(postings.c.entry_id, postings.c.id)
                )
            ).all()
            grouped: dict[int, list[Posting]] = defaultdict(list)
            for p in posting_rows:
                grouped[p.entry_id].append(
                    Posting(
                        entry_id=p.entry_id,
                        account_id=p.account_id,
                        account=p.account_code,
                        amount=from_minor(p.amount, p.currency),
                        account_seq=p.account_seq,
                        balance_after=from_minor(p.balance_after, p.currency),
                        prev_hash=p.prev_hash,
                    )
                )
            for e in entry_rows:
                booked_at = e.booked_at
                if booked_at.tzinfo is None:
                    booked_at = booked_at.replace(tzinfo=UTC)
                result[e.id] = JournalEntry(
                    id=e.id,
                    book=e.book_code,
                    effective_date=e.effective_date,
                    booked_at=booked_at,
                    description=e.description,
                    metadata=freeze_metadata(e.metadata),
                    idempotency_key=e.idempotency_key,
                    actor=e.actor,
                    reverses=e.reverses_entry_id,
                    entry_hash=e.entry_hash,
                    postings=tuple(grouped[e.id]),
                )
        return result

    async def entry(self, entry_id: int) -> JournalEntry:
        found = (await self.entries_by_id([entry_id])).get(entry_id)
        if found is None:
            raise RiskpoolError(ErrorCode.UNKNOWN_ENTRY, f"no entry #{entry_id}", field="entry")
        return found

    async def entry_by_key(self, idempotency_key: str) -> JournalEntry | None:
        found = await self._existing_keys([idempotency_key])
        if idempotency_key not in found:
            return None
        return await self.entry(found[idempotency_key][0])

    async def reversal_of(self, entry_id: int) -> int | None:
        result = await self.conn.execute(
            select(entries.c.id).where(entries.c.reverses_entry_id == entry_id)
        )
        return result.scalar_one_or_none()

    async def balance(self, book: str, code: str, as_of: date | None = None) -> Money:
        """Debit-positive balance; the cached one now, or Σ postings dated ≤ ``as_of``."""
        account = await self.account(book, code)
        return from_minor(await self._balance_units(account.id, as_of), account.currency)

    async def balances(self, book: str, as_of: date | None = None) -> dict[str, Money]:
        """Every account of ``book`` with its balance (one aggregate query)."""
        tb = await self.trial_balance(book, as_of)
        return {row.account.code: row.balance for row in tb.rows}

    async def _balance_units(self, account_id: int, as_of: date | None) -> int:
        if as_of is None:
            result = await self.conn.execute(
                select(balances.c.balance).where(balances.c.account_id == account_id)
            )
            return int(result.scalar_one())
        result = await self.conn.execute(
            select(func.coalesce(func.sum(postings.c.amount), 0))
            .select_from(postings.join(entries, entries.c.id == postings.c.entry_id))
            .where(postings.c.account_id == account_id, entries.c.effective_date <= as_of)
        )
        return int(result.scalar_one())

    async def statement(
        self, book: str, code: str, date_from: date, date_to: date
    ) -> AccountStatement:
        """Movements of one account between two dates with a running balance."""
        account = await self.account(book, code)
        opening = await self._balance_units(account.id, date.fromordinal(date_from.toordinal() - 1))
        running = func.sum(postings.c.amount).over(
            order_by=(entries.c.effective_date, entries.c.id)
        )
        rows = await self.conn.execute(
            select(
                entries.c.id,
                entries.c.effective_date,
                entries.c.description,
                entries.c.reverses_entry_id,
                postings.c.amount,
                running.label("running"),
            )
            .select_from(postings.join(entries, entries.c.id == postings.c.entry_id))
            .where(
                postings.c.account_id == account.id,
                entries.c.effective_date >= date_from,
                entries.c.effective_date <= date_to,
            )
            .order_by(entries.c.effective_date, entries.c.id)
        )
        lines = tuple(
            StatementLine(
                entry_id=row.id,
                effective_date=row.effective_date,
                description=row.description,
                amount=from_minor(row.amount, account.currency),
                running_balance=from_minor(opening + int(row.running), account.currency),
                reverses=row.reverses_entry_id,
            )
            for row in rows
        )
        closing = lines[-1].running_balance if lines else from_minor(opening, account.currency)
        return AccountStatement(
            account=account,
            date_from=date_from,
            date_to=date_to,
            opening=from_minor(opening, account.currency),
            lines=lines,
            closing=closing,
        )

    async def trial_balance(self, book: str, as_of: date | None = None) -> TrialBalance:
        """Σ debits and Σ credits of every account of ``book`` dated ≤ ``as_of``."""
        book_row = await self.book(book)
        debit = func.coalesce(
            func.sum(case((postings.c.amount > 0, postings.c.amount), else_=0)), 0
        )
        credit = func.coalesce(
            func.sum(case((postings.c.amount < 0, -postings.c.amount), else_=0)), 0
        )
        joined = postings.join(entries, entries.c.id == postings.c.entry_id)
        movement = select(
            postings.c.account_id.label("account_id"),
            debit.label("debits"),
            credit.label("credits"),
        ).select_from(joined)
        if as_of is not None:
            movement = movement.where(entries.c.effective_date <= as_of)
        sums = (
            movement.where(entries.c.book_id == book_row.id)
            .group_by(postings.c.account_id)
            .subquery()
        )
        query = (
            self.account_query()
            .add_columns(sums.c.debits, sums.c.credits)
            .outerjoin(sums, sums.c.account_id == accounts.c.id)
            .where(accounts.c.book_id == book_row.id)
            .order_by(accounts.c.code)
        )
        rows: list[TrialBalanceRow] = []
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in await self.conn.execute(query):
            account = self.account_from_row(row)
            debits, credits = int(row.debits or 0), int(row.credits or 0)
            totals[account.currency][0] += debits
            totals[account.currency][1] += credits
            rows.append(
                TrialBalanceRow(
                    account=account,
                    debits=from_minor(debits, account.currency),
                    credits=from_minor(credits, account.currency),
                )
            )
        return TrialBalance(
            book=book,
            as_of=as_of,
            rows=tuple(rows),
            totals={
                cur: (from_minor(d, cur), from_minor(c, cur)) for cur, (d, c) in totals.items()
            },
        )
