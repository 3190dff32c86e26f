"""Queries of the reconciliation area: the report, open proposals, runs (not for institutions)."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from riskpool.domain.views import reconciliation as reconciliation_views
from riskpool.graphql.core.context import Context
from riskpool.graphql.reconciliation.types import (
    ReconciliationMatchType,
    ReconciliationReportType,
    ReconciliationRunType,
)


@strawberry.type
class ReconciliationQuery:
    @strawberry.field(
        description="The reconciliation of the pool's account as of the end of a day, with "
        "its 银行存款余额调节表. Not for institution users."
    )
    async def reconciliation_report(
        self, info: Info[Context, None], as_of: date
    ) -> ReconciliationReportType:
        stored = await info.context.view(
            reconciliation_views.report, as_of, service=info.context.app.reconciliation
        )
        return ReconciliationReportType.of(stored)

    @strawberry.field(description="Proposals awaiting a person's confirmation or rejection.")
    async def reconciliation_proposals(
        self, info: Info[Context, None]
    ) -> list[ReconciliationMatchType]:
        found = await info.context.view(
            reconciliation_views.proposals, service=info.context.app.reconciliation
        )
        return [ReconciliationMatchType.of(m) for m in found]

    @strawberry.field(description="The latest matching runs, newest first.")
    async def reconciliation_runs(
        self, info: Info[Context, None], limit: int = 20
    ) -> list[ReconciliationRunType]:
        found = await info.context.view(
            reconciliation_views.runs, limit, service=info.context.app.reconciliation
        )
        return [ReconciliationRunType.of(r) for r in found]
