"""The read side for the API: keyset pages with filters, and batch loads for loaders.

Scoping is done here, in SQL: a :class:`Scope` with an institution id limits
every list and every batch load to the rows that institution may see (loans it
lent or guaranteed, claims on those loans, the firms of those loans, itself),
so no resolver can forget to filter and ``node(id)`` cannot reach around it.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.claim import Claim, ClaimState
from riskpool.domain.loan import Loan
from riskpool.domain.parties import Firm, Institution, InstitutionKind
from riskpool.domain.persistence.repositories import (
    ClaimRepository,
    FirmRepository,
    InstitutionRepository,
    LoanRepository,
)
from riskpool.domain.persistence.tables import claims, firms, institutions, loans
from riskpool.domain.policy import LoanType
from riskpool.paging import Page, PageRequest, paginate


@dataclass(frozen=True, slots=True)
class Scope:
    """What a reader may see: everything, or one institution's rows."""

    institution_id: int | None = None

    @property
    def everything(self) -> bool:
        return self.institution_id is None


EVERYTHING = Scope()


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
    institution_id: int | None = None
    firm_id: int | None = None
    loan_type: LoanType | None = None
    status: LoanStatus | None = None
    policy_code: str | None = None
    granted_from: date | None = None
    granted_to: date | None = None
    sort: LoanSort = LoanSort.GRANTED_ON
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ClaimFilter:
    state: ClaimState | None = None
    institution_id: int | None = None
    loan_id: int | None = None


def _loan_visible(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    return or_(
        loans.c.lender_id == scope.institution_id, loans.c.guarantor_id == scope.institution_id
    )


def _claim_visible(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    visible_loans = select(loans.c.id).where(_loan_visible(scope))
    return or_(claims.c.claimant_id == scope.institution_id, claims.c.loan_id.in_(visible_loans))


def _firm_visible(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    return firms.c.id.in_(select(loans.c.firm_id).where(_loan_visible(scope)))


def _institution_visible(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    return institutions.c.id == scope.institution_id


class ReadModel:
    """Queries over one connection (the request's read snapshot)."""

    def __init__(self, conn: AsyncConnection, scope: Scope) -> None:
        self.conn = conn
        self.scope = scope

    # -- pages ------------------------------------------------------------------

    async def institutions_page(
        self, kind: InstitutionKind | None, request: PageRequest
    ) -> Page[int]:
        query: Select[Any] = select(institutions.c.id).where(_institution_visible(self.scope))
        if kind is not None:
            query = query.where(institutions.c.kind == kind.value)
        return await paginate(
            self.conn,
            query,
            [institutions.c.id],
            request,
            lambda r: int(r.id),
            key_of=lambda r: [r.id],
        )

    async def firms_page(self, sector: str | None, request: PageRequest) -> Page[int]:
        query: Select[Any] = select(firms.c.id).where(_firm_visible(self.scope))
        if sector is not None:
            query = query.where(firms.c.sector == sector)
        return await paginate(
            self.conn, query, [firms.c.id], request, lambda r: int(r.id), key_of=lambda r: [r.id]
        )

    async def loans_page(self, where: LoanFilter, request: PageRequest) -> Page[int]:
        sort_column = {
            LoanSort.GRANTED_ON: loans.c.granted_on,
            LoanSort.CREDIT_LINE: loans.c.credit_line,
            LoanSort.MATURITY: loans.c.maturity,
        }[where.sort]
        query: Select[Any] = select(loans.c.id, sort_column.label("sort_key")).where(
            _loan_visible(self.scope)
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
        status = where.status
        if status is LoanStatus.NOT_IN_POOL:
            query = query.where(loans.c.pool_entry_on.is_(None))
        elif status is LoanStatus.IN_POOL:
            query = query.where(loans.c.pool_entry_on.is_not(None))
        elif status is LoanStatus.OVERDUE:
            query = query.where(loans.c.overdue_since.is_not(None))
        elif status is LoanStatus.LITIGATION:
            query = query.where(loans.c.lawsuit_filed_on.is_not(None))
        elif status is LoanStatus.CURRENT:
            query = query.where(
                and_(loans.c.overdue_since.is_(None), loans.c.lawsuit_filed_on.is_(None))
            )
        is_date = where.sort is not LoanSort.CREDIT_LINE

        def parse(values: list[Any]) -> list[Any]:
            first = date.fromisoformat(str(values[0])) if is_date else int(values[0])
            return [first, int(values[1])]

        return await paginate(
            self.conn,
            query,
            [sort_column, loans.c.id],
            request,
            lambda r: int(r.id),
            key_of=lambda r: [r.sort_key, r.id],
            parse_key=parse,
            descending=where.descending,
        )

    async def claims_page(self, where: ClaimFilter, request: PageRequest) -> Page[int]:
        query: Select[Any] = select(claims.c.id).where(_claim_visible(self.scope))
        if where.state is not None:
            query = query.where(claims.c.state == where.state.value)
        if where.institution_id is not None:
            query = query.where(claims.c.claimant_id == where.institution_id)
        if where.loan_id is not None:
            query = query.where(claims.c.loan_id == where.loan_id)
        return await paginate(
            self.conn, query, [claims.c.id], request, lambda r: int(r.id), key_of=lambda r: [r.id]
        )

    # -- batch loads (for data loaders) ---------------------------------------------

    async def _visible_ids(
        self, table: Any, visible: ColumnElement[bool], ids: Sequence[int]
    ) -> list[int]:
        if not ids:
            return []
        if self.scope.everything:
            return sorted(set(ids))
        rows = await self.conn.execute(
            select(table.c.id).where(table.c.id.in_(sorted(set(ids))), visible)
        )
        return [int(r.id) for r in rows]

    async def institutions(self, ids: Sequence[int]) -> dict[int, Institution]:
        visible = await self._visible_ids(institutions, _institution_visible(self.scope), ids)
        return await InstitutionRepository(self.conn).get_many(visible)

    async def firms(self, ids: Sequence[int]) -> dict[int, Firm]:
        visible = await self._visible_ids(firms, _firm_visible(self.scope), ids)
        return await FirmRepository(self.conn).get_many(visible)

    async def loans(self, ids: Sequence[int]) -> dict[int, Loan]:
        visible = await self._visible_ids(loans, _loan_visible(self.scope), ids)
        return await LoanRepository(self.conn).get_many(visible)

    async def claims(self, ids: Sequence[int]) -> dict[int, Claim]:
        visible = await self._visible_ids(claims, _claim_visible(self.scope), ids)
        return await ClaimRepository(self.conn).get_many(visible)

    async def claim_ids_by_loan(self, loan_ids: Sequence[int]) -> dict[int, list[int]]:
        rows = await self.conn.execute(
            select(claims.c.loan_id, claims.c.id)
            .where(claims.c.loan_id.in_(sorted(set(loan_ids))), _claim_visible(self.scope))
            .order_by(claims.c.loan_id, claims.c.id)
        )
        grouped: dict[int, list[int]] = defaultdict(list)
        for loan_id, claim_id in rows:
            grouped[int(loan_id)].append(int(claim_id))
        return grouped
