"""Statistics queries. Institution users get figures of their own loans only."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from riskpool.domain.parties import Role
from riskpool.domain.persistence import statistics as stats
from riskpool.graphql.core.context import Context
from riskpool.graphql.ledger.access import LEDGER_READERS
from riskpool.graphql.loans.types import LoanType
from riskpool.graphql.stats.types import (
    Bucket,
    GroupBy,
    LoanFigures,
    LoanStatistics,
    PoolStatistics,
)


@strawberry.type
class StatsQuery:
    @strawberry.field(description="Credit, disbursement, outstanding, compensation and rates.")
    async def loan_statistics(
        self,
        info: Info[Context, None],
        as_of: date,
        group_by: GroupBy | None = None,  # type: ignore[valid-type]
        bucket: Bucket | None = None,  # type: ignore[valid-type]
        policy_code: str | None = None,
        loan_type: LoanType | None = None,  # type: ignore[valid-type]
        institution_id: int | None = None,
        date_from: date | None = None,
    ) -> LoanStatistics:
        principal = info.context.require()
        if principal.role is Role.INSTITUTION:
            institution_id = principal.institution_id
        query = stats.StatsQuery(
            as_of=as_of,
            group_by=group_by,
            bucket=bucket,
            policy_code=policy_code,
            institution_id=institution_id,
            loan_type=loan_type,
            date_from=date_from,
        )
        cache = info.context.app.statistics
        result = await info.context.session.run(lambda conn: cache.loan_statistics(conn, query))
        return LoanStatistics(
            as_of=as_of,
            totals=LoanFigures.of(result.totals),
            rows=[LoanFigures.of(row) for row in result.rows],
        )

    @strawberry.field(description="The funds' cash, payable, cover and floor as of a date.")
    async def pool_statistics(self, info: Info[Context, None], as_of: date) -> PoolStatistics:
        info.context.require(*LEDGER_READERS)
        figures = await info.context.session.run(lambda conn: stats.pool_statistics(conn, as_of))
        return PoolStatistics.of(figures)
