"""Queries of the ledger area. Resolvers translate arguments and call the read side."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from riskpool.domain.parties import Role
from riskpool.export import export_beancount
from riskpool.export.assertions import statement_assertions
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.pagination import Connection, connection_of, page_request
from riskpool.graphql.ledger import loaders
from riskpool.graphql.ledger.access import LEDGER_READERS
from riskpool.graphql.ledger.types import AccountType, BookType, JournalEntryType
from riskpool.ledger.queries import EntryFilter, LedgerQueries
from riskpool.ledger.store import LedgerStore


@strawberry.type
class LedgerQuery:
    @strawberry.field(description="The fund's books.")
    async def books(self, info: Info[Context, None]) -> list[BookType]:
        info.context.require(*LEDGER_READERS)
        found = await info.context.session.run(lambda conn: LedgerStore(conn).books())
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
        info.context.require(*LEDGER_READERS)
        request = page_request(first, after, last, before)
        page = await info.context.session.run(
            lambda conn: LedgerQueries(conn).accounts_page(book, as_of, request)
        )
        connection: Connection[AccountType] = await connection_of(
            page,
            lambda items: _accounts(items),
        )
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
        info.context.require(*LEDGER_READERS)
        request = page_request(first, after, last, before)
        where = EntryFilter(book=book, account=account, date_from=date_from, date_to=date_to)
        page = await info.context.session.run(
            lambda conn: LedgerQueries(conn).entries_page(where, request)
        )

        async def load(ids: object) -> list[JournalEntryType]:
            found = await loaders.entries(info.context).load_many(list(ids))  # type: ignore[call-overload]
            return [JournalEntryType.of(e) for e in found if e is not None]

        connection: Connection[JournalEntryType] = await connection_of(page, load)
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
        info.context.require(*EXPORT_READERS)
        app = info.context.app
        bank = await statement_assertions(app.db, app.reconciliation, book)
        return await info.context.session.run(
            lambda conn: export_beancount(
                conn, book, date_from, date_to, assertions=bank.assertions
            )
        )


EXPORT_READERS = (Role.AUDITOR, Role.OPERATOR)


async def _accounts(items: object) -> list[AccountType]:
    return [AccountType.of(item.account, item.balance) for item in items]  # type: ignore[attr-defined]
