"""Statistics queries; the statistics view scopes institution users to their own loans."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from riskpool.domain.views import statistics as stats_views
from riskpool.graphql.core.context import Context
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
        query = stats_views.StatsQuery(
            as_of=as_of,
            group_by=group_by,
            bucket=bucket,
            policy_code=policy_code,
            institution_id=institution_id,
            loan_type=loan_type,
            date_from=date_from,
        )
        result = await info.context.view(
            stats_views.loan_statistics, query, cache=info.context.app.statistics
        )
        return LoanStatistics(
            as_of=as_of,
            totals=LoanFigures.of(result.totals),
            rows=[LoanFigures.of(row) for row in result.rows],
        )

    @strawberry.field(description="The funds' cash, payable, cover and floor as of a date.")
    async def pool_statistics(self, info: Info[Context, None], as_of: date) -> PoolStatistics:
        figures = await info.context.view(stats_views.pool_figures, as_of)
        return PoolStatistics.of(figures)
