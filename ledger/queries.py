"""Paginated reads of the ledger for the API: accounts with balances, entries.

Separate from :mod:`riskpool.ledger.store` (the write path and single-object
reads) because these serve lists: they return keyset pages
(:mod:`riskpool.paging`) and batch lookups for data loaders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from moneyed import Money
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.model import Account, JournalEntry
from riskpool.ledger.money import from_minor
from riskpool.ledger.schema import accounts, balances, books, entries, postings
from riskpool.ledger.store import LedgerStore
from riskpool.paging import Page, PageRequest, paginate


@dataclass(frozen=True, slots=True)
class AccountBalance:
    account: Account
    balance: Money
    as_of: date | None


@dataclass(frozen=True, slots=True)
class EntryFilter:
    book: str | None = None
    account: str | None = None
    date_from: date | None = None
    date_to: date | None = None


class LedgerQueries:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.store = LedgerStore(conn)

    async def accounts_page(
        self, book: str | None, as_of: date | None, request: PageRequest
    ) -> Page[AccountBalance]:
        query = self.store.account_query()
        if book is not None:
            await self.store.book(book)
            query = query.where(books.c.code == book)
        if as_of is None:
            query = query.add_columns(balances.c.balance.label("units")).join(
                balances, balances.c.account_id == accounts.c.id
            )
        else:
            sums = (
                select(postings.c.account_id, func.sum(postings.c.amount).label("units"))
                .select_from(postings.join(entries, entries.c.id == postings.c.entry_id))
                .where(entries.c.effective_date <= as_of)
                .group_by(postings.c.account_id)
                .subquery()
            )
            query = query.add_columns(sums.c.units).outerjoin(
                sums, sums.c.account_id == accounts.c.id
            )

        def build(row: Any) -> AccountBalance:
            account = LedgerStore.account_from_row(row)
            return AccountBalance(account, from_minor(int(row.units or 0), account.currency), as_of)

        return await paginate(
            self.conn, query, [accounts.c.id], request, build, key_of=lambda row: [row.id]
        )

    async def entries_page(self, where: EntryFilter, request: PageRequest) -> Page[int]:
        """Entry ids in (effective date, id) order; entries load through a loader."""
        query = select(entries.c.id, entries.c.effective_date).select_from(
            entries.join(books, books.c.id == entries.c.book_id)
        )
        if where.book is not None:
            await self.store.book(where.book)
            query = query.where(books.c.code == where.book)
        if where.account is not None:
            if where.book is None:
                raise RiskpoolError(
                    ErrorCode.VALIDATION, "filtering by account needs a book", field="account"
                )
            account = await self.store.account(where.book, where.account)
            query = query.where(
                select(postings.c.id)
                .where(postings.c.entry_id == entries.c.id, postings.c.account_id == account.id)
                .exists()
            )
        if where.date_from is not None:
            query = query.where(entries.c.effective_date >= where.date_from)
        if where.date_to is not None:
            query = query.where(entries.c.effective_date <= where.date_to)
        return await paginate(
            self.conn,
            query,
            [entries.c.effective_date, entries.c.id],
            request,
            lambda row: int(row.id),
            key_of=lambda row: [row.effective_date, row.id],
            parse_key=lambda values: [date.fromisoformat(str(values[0])), int(values[1])],
        )

    async def entries_by_id(self, ids: Sequence[int]) -> dict[int, JournalEntry]:
        return await self.store.entries_by_id(ids)
