"""Queries of the ledger area. Resolvers translate arguments and call the ledger views."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import strawberry
from strawberry.types import Info

from riskpool.domain.views import ledger as ledger_views
from riskpool.domain.views.ledger import AccountBalance
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.pagination import Connection, connection_of, page_request
from riskpool.graphql.ledger import loaders
from riskpool.graphql.ledger.types import AccountType, BookType, JournalEntryType


@strawberry.type
class LedgerQuery:
    @strawberry.field(description="The fund's books.")
    async def books(self, info: Info[Context, None]) -> list[BookType]:
        found = await info.context.view(ledger_views.books)
        return [BookType.of(book) for book in found]

    @strawberry.field(description="Accounts with their balances as of a date (now if omitted).")
    async def accounts(
        self,
        info: Info[Context, None],
        book: str | None = None,
        as_of: date | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AccountType]:
        request = page_request(first, after, last, before)
        page = await info.context.view(ledger_views.accounts_page, book, as_of, request)

        async def nodes(items: Sequence[AccountBalance]) -> list[AccountType]:
            return [AccountType.of(i.account, i.balance) for i in items]

        connection: Connection[AccountType] = await connection_of(page, nodes)
        return connection

    @strawberry.field(description="Journal entries in effective-date order, with their postings.")
    async def journal_entries(
        self,
        info: Info[Context, None],
        book: str | None = None,
        account: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[JournalEntryType]:
        request = page_request(first, after, last, before)
        where = ledger_views.EntryFilter(
            book=book, account=account, date_from=date_from, date_to=date_to
        )
        page = await info.context.view(ledger_views.entries_page, where, request)

        async def nodes(ids: Sequence[int]) -> list[JournalEntryType]:
            found = await loaders.entries(info.context).load_many(list(ids))
            return [JournalEntryType.of(e) for e in found if e is not None]

        connection: Connection[JournalEntryType] = await connection_of(page, nodes)
        return connection

    @strawberry.field(
        description="Auditor: a book as a beancount file (checked by beancount's own loader); "
        "earlier balances are brought forward when dateFrom is given."
    )
    async def beancount_export(
        self,
        info: Info[Context, None],
        book: str,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> str:
        app = info.context.app
        return await info.context.view(
            ledger_views.beancount,
            book,
            date_from,
            date_to,
            db=app.db,
            reconciliation=app.reconciliation,
        )
