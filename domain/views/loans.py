"""Views of loans: the filtered, sorted keyset page and the batch load.

An institution user reads the loans it lends or guarantees; a filter on
another institution's id answers nothing, exactly as one on an id that does
not exist (:func:`riskpool.domain.views.scope.filter_admitted`).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.model.loan import Loan
from riskpool.domain.model.parties import Actor
from riskpool.domain.model.policy import LoanType
from riskpool.domain.permissions import Operation, authorize
from riskpool.domain.persistence.repositories import LoanRepository
from riskpool.domain.persistence.tables import loans
from riskpool.domain.views.scope import Scope, filter_admitted, loan_visible, visible_ids
from riskpool.paging import Page, PageRequest, paginate


class LoanStatus(enum.StrEnum):
    NOT_IN_POOL = "NOT_IN_POOL"
    IN_POOL = "IN_POOL"
    CURRENT = "CURRENT"
    OVERDUE = "OVERDUE"
    LITIGATION = "LITIGATION"


class LoanSort(enum.StrEnum):
    GRANTED_ON = "GRANTED_ON"
    CREDIT_LINE = "CREDIT_LINE"
    MATURITY = "MATURITY"


@dataclass(frozen=True, slots=True)
class LoanFilter:
    """The loans list's filters, all optional and combined with AND."""

    institution_id: int | None = None
    """Lender or guarantor."""
    firm_id: int | None = None
    loan_type: LoanType | None = None
    status: LoanStatus | None = None
    policy_code: str | None = None
    granted_from: date | None = None
    granted_to: date | None = None
    sort: LoanSort = LoanSort.GRANTED_ON
    descending: bool = False


_SORT_COLUMNS = {
    LoanSort.GRANTED_ON: loans.c.granted_on,
    LoanSort.CREDIT_LINE: loans.c.credit_line,
    LoanSort.MATURITY: loans.c.maturity,
}


def _status(query: Select[Any], status: LoanStatus | None) -> Select[Any]:
    if status is LoanStatus.NOT_IN_POOL:
        return query.where(loans.c.pool_entry_on.is_(None))
    if status is LoanStatus.IN_POOL:
        return query.where(loans.c.pool_entry_on.is_not(None))
    if status is LoanStatus.OVERDUE:
        return query.where(loans.c.overdue_since.is_not(None))
    if status is LoanStatus.LITIGATION:
        return query.where(loans.c.lawsuit_filed_on.is_not(None))
    if status is LoanStatus.CURRENT:
        return query.where(
            and_(loans.c.overdue_since.is_(None), loans.c.lawsuit_filed_on.is_(None))
        )
    return query


async def page(
    actor: Actor, conn: AsyncConnection, where: LoanFilter, request: PageRequest
) -> Page[int]:
    """Ids of the readable loans matching ``where``, keyset-paged in its sort order."""
    authorize(actor, Operation.READ_LOANS)
    scope = Scope.of(actor)
    sort_column = _SORT_COLUMNS[where.sort]
    query: Select[Any] = select(loans.c.id, sort_column.label("sort_key")).where(
        loan_visible(scope), filter_admitted(scope, where.institution_id)
    )
    if where.institution_id is not None:
        query = query.where(
            or_(
                loans.c.lender_id == where.institution_id,
                loans.c.guarantor_id == where.institution_id,
            )
        )
    if where.firm_id is not None:
        query = query.where(loans.c.firm_id == where.firm_id)
    if where.loan_type is not None:
        query = query.where(loans.c.loan_type == where.loan_type.value)
    if where.policy_code is not None:
        query = query.where(loans.c.policy_code == where.policy_code)
    if where.granted_from is not None:
        query = query.where(loans.c.granted_on >= where.granted_from)
    if where.granted_to is not None:
        query = query.where(loans.c.granted_on <= where.granted_to)
    query = _status(query, where.status)
    is_date = where.sort is not LoanSort.CREDIT_LINE

    def parse(values: list[Any]) -> list[Any]:
        first = date.fromisoformat(str(values[0])) if is_date else int(values[0])
        return [first, int(values[1])]

    return await paginate(
        conn,
        query,
        [sort_column, loans.c.id],
        request,
        lambda r: int(r.id),
        key_of=lambda r: [r.sort_key, r.id],
        parse_key=parse,
        descending=where.descending,
    )


async def by_id(actor: Actor, conn: AsyncConnection, ids: Sequence[int]) -> dict[int, Loan]:
    """The readable loans among ``ids`` (the others are simply absent)."""
    authorize(actor, Operation.READ_LOANS)
    scope = Scope.of(actor)
    found = await visible_ids(conn, loans, loan_visible(scope), scope, ids)
    return await LoanRepository(conn).get_many(found)
