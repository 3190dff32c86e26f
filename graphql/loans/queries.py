"""Queries of loans: filters, sorting, keyset pages (scoped by the loans view)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import strawberry
from strawberry.types import Info

from riskpool.domain.views import loans as loan_views
from riskpool.graphql.core import loaders
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.pagination import Connection, connection_of, page_request
from riskpool.graphql.loans.types import LoanNode, LoanSort, LoanStatus, LoanType


@strawberry.input(description="Filters of the loans list; all optional, combined with AND.")
class LoanFilterInput:
    institution_id: int | None = None
    firm_id: int | None = None
    loan_type: LoanType | None = None  # type: ignore[valid-type]
    status: LoanStatus | None = None  # type: ignore[valid-type]
    policy_code: str | None = None
    granted_from: date | None = None
    granted_to: date | None = None


@strawberry.type
class LoanQuery:
    @strawberry.field(description="Loans as a keyset-paginated connection.")
    async def loans(
        self,
        info: Info[Context, None],
        filter: LoanFilterInput | None = None,
        sort: LoanSort = LoanSort.GRANTED_ON,  # type: ignore[valid-type]
        descending: bool = False,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[LoanNode]:
        f = filter or LoanFilterInput()
        where = loan_views.LoanFilter(
            institution_id=f.institution_id,
            firm_id=f.firm_id,
            loan_type=f.loan_type,
            status=f.status,
            policy_code=f.policy_code,
            granted_from=f.granted_from,
            granted_to=f.granted_to,
            sort=sort,
            descending=descending,
        )
        request = page_request(first, after, last, before)
        page = await info.context.view(loan_views.page, where, request)

        async def nodes(ids: Sequence[int]) -> list[LoanNode]:
            found = await loaders.loans(info.context).load_many(list(ids))
            return [LoanNode.of(loan) for loan in found if loan is not None]

        connection: Connection[LoanNode] = await connection_of(page, nodes)
        return connection
