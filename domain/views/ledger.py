"""Views of the pool's books: books, accounts with balances, journal entries, the export.

Decision: the books are the fund's, not an institution's. Institution users
read their own loans and claims (and their payouts) in those areas, never the
pool's journal (``READ_LEDGER`` excludes them); the beancount export is the
auditor's and the operator's (``EXPORT_LEDGER``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.db import Database
from riskpool.domain.model.parties import Actor
from riskpool.domain.permissions import Operation, authorize
from riskpool.export import export_beancount
from riskpool.export.assertions import statement_assertions
from riskpool.ledger.model import Book, JournalEntry
from riskpool.ledger.queries import AccountBalance, EntryFilter, LedgerQueries
from riskpool.ledger.store import LedgerStore
from riskpool.paging import Page, PageRequest
from riskpool.reconciliation.service import ReconciliationService

__all__ = ["AccountBalance", "EntryFilter", "accounts_page", "beancount", "books", "entries_page"]


async def books(actor: Actor, conn: AsyncConnection) -> list[Book]:
    authorize(actor, Operation.READ_LEDGER)
    return await LedgerStore(conn).books()


async def accounts_page(
    actor: Actor,
    conn: AsyncConnection,
    book: str | None,
    as_of: date | None,
    request: PageRequest,
) -> Page[AccountBalance]:
    """Accounts with their balances as of ``as_of`` (now when ``None``)."""
    authorize(actor, Operation.READ_LEDGER)
    return await LedgerQueries(conn).accounts_page(book, as_of, request)


async def entries_page(
    actor: Actor, conn: AsyncConnection, where: EntryFilter, request: PageRequest
) -> Page[int]:
    """Ids of the journal entries matching ``where``, in effective-date order."""
    authorize(actor, Operation.READ_LEDGER)
    return await LedgerQueries(conn).entries_page(where, request)


async def entries_by_id(
    actor: Actor, conn: AsyncConnection, ids: Sequence[int]
) -> dict[int, JournalEntry]:
    """The entries among ``ids`` with their postings (absent ids are simply absent)."""
    authorize(actor, Operation.READ_LEDGER)
    return await LedgerQueries(conn).entries_by_id(ids)


async def beancount(
    actor: Actor,
    conn: AsyncConnection,
    book: str,
    date_from: date | None,
    date_to: date | None,
    *,
    db: Database,
    reconciliation: ReconciliationService,
) -> str:
    """``book`` as a beancount file, with the bank's proved closing balances as assertions.

    The permission is asked before anything is read. The assertions come from
    the reconciliation component, which reads its statements in its own read
    transaction.
    """
    authorize(actor, Operation.EXPORT_LEDGER)
    bank = await statement_assertions(db, reconciliation, book)
    return await export_beancount(conn, book, date_from, date_to, assertions=bank.assertions)
