"""Queries of the innovation points and the early warnings.

The views scope them: institution users see scores of the firms they lend to
(without the pool-wide cohort figures) and only their own warnings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

import strawberry
from strawberry.types import Info

from riskpool.domain.model.dates import business_date
from riskpool.domain.model.innovation.warnings import WarningLimits
from riskpool.domain.views import innovation as innovation_views
from riskpool.domain.views import warnings as warning_views
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.graphql.core.context import Context
from riskpool.graphql.innovation.types import (
    CatalogueType,
    EarlyWarning,
    ScoringRunType,
    WarningKind,
    warning_of,
)


def _share(value: str | None, name: str, default: Decimal) -> Decimal:
    if value is None:
        return default
    try:
        return Decimal(value)
    except InvalidOperation:
        raise RiskpoolError(ErrorCode.VALIDATION, f"{name} is not a decimal", field=name) from None


@strawberry.type
class InnovationQuery:
    @strawberry.field(description="The indicator catalogue (a version, or the current one).")
    async def innovation_catalogue(
        self, info: Info[Context, None], version: str | None = None
    ) -> CatalogueType:
        catalogue = await info.context.view(innovation_views.catalogue, version)
        return CatalogueType.of(catalogue)

    @strawberry.field(
        description="Scores with contributions: a run, else the latest of a year, else the latest."
    )
    async def innovation_scores(
        self,
        info: Info[Context, None],
        year: int | None = None,
        run_id: int | None = None,
        firm_id: int | None = None,
    ) -> ScoringRunType | None:
        found = await info.context.view(
            innovation_views.scores, year=year, run_id=run_id, firm_id=firm_id
        )
        if found is None:
            return None
        return ScoringRunType.of(found.run, found.scores, cohort=found.cohort_shown)

    @strawberry.field(
        description="Early warnings as of a date (default: today in Beijing), by kind, institution."
    )
    async def warnings(
        self,
        info: Info[Context, None],
        as_of: date | None = None,
        kind: WarningKind | None = None,  # type: ignore[valid-type]
        institution_id: int | None = None,
        overdue_days: int = 30,
        suspension_margin: str | None = None,
        institution_share_limit: str | None = None,
        sector_share_limit: str | None = None,
    ) -> list[EarlyWarning]:
        defaults = WarningLimits()
        limits = WarningLimits(
            overdue_days=overdue_days,
            suspension_margin=_share(
                suspension_margin, "suspensionMargin", defaults.suspension_margin
            ),
            institution_share_limit=_share(
                institution_share_limit, "institutionShareLimit", defaults.institution_share_limit
            ),
            sector_share_limit=_share(
                sector_share_limit, "sectorShareLimit", defaults.sector_share_limit
            ),
        )
        on = as_of if as_of is not None else business_date(datetime.now(UTC))
        found = await info.context.view(
            warning_views.early_warnings, on, limits, kind=kind, institution_id=institution_id
        )
        return [warning_of(w) for w in found]
