"""Queries of the reconciliation area: the report, open proposals, runs."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from riskpool.graphql.core.context import Context
from riskpool.graphql.reconciliation.access import READERS
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
        info.context.require(*READERS)
        stored = await info.context.app.reconciliation.report(as_of)
        return ReconciliationReportType.of(stored)

    @strawberry.field(description="Proposals awaiting a person's confirmation or rejection.")
    async def reconciliation_proposals(
        self, info: Info[Context, None]
    ) -> list[ReconciliationMatchType]:
        info.context.require(*READERS)
        found = await info.context.app.reconciliation.proposals()
        return [ReconciliationMatchType.of(m) for m in found]

    @strawberry.field(description="The latest matching runs, newest first.")
    async def reconciliation_runs(
        self, info: Info[Context, None], limit: int = 20
    ) -> list[ReconciliationRunType]:
        info.context.require(*READERS)
        found = await info.context.app.reconciliation.runs(limit)
        return [ReconciliationRunType.of(r) for r in found]
