"""Books and accounts of the ledger, on one open connection.

The base of the ledger's store: opening books and accounts, closing
accounts, and reading them back. :mod:`riskpool.ledger.reads` builds the
reports on it, :mod:`riskpool.ledger.store` the write path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.model import (
    Account,
    AccountSpec,
    AccountType,
    Book,
)
from riskpool.ledger.money import currency_exponent
from riskpool.ledger.schema import accounts, books, entries, postings

CHUNK = 500
"""Bound on IN-lists and VALUES rows per statement."""


def in_list_size(dialect: str) -> int:
    """Values per statement for :func:`one_of`: PostgreSQL takes any number in
    one array, SQLite an IN-list of :data:`CHUNK`."""
    return 1_000_000 if dialect == "postgresql" else CHUNK


def one_of(column: Any, values: Sequence[Any], dialect: str) -> Any:
    """``column IN values``: on PostgreSQL ``= ANY(array)``, one parameter however
    many values (an IN-list of 10,000 placeholders cost ≈ 0.3 s to send and
    plan); on SQLite a plain IN-list (keep it within :func:`in_list_size`)."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class LedgerAccounts:
    """Books and accounts over one connection (no transaction control)."""

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
