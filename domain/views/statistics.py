"""Views of the dashboard statistics: loan figures (scoped) and the funds' figures.

The SQL is :mod:`riskpool.domain.persistence.statistics`; this module decides
who reads what. An institution user's loan figures cover its own loans only,
and name no other institution (:attr:`StatsQuery.visible_to`). The funds' cash
and cover are the pool's books: read like the ledger (``READ_LEDGER``).
"""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.model.parties import Actor
from riskpool.domain.permissions import Operation, authorize
from riskpool.domain.persistence.statistics import (
    Bucket,
    GroupBy,
    LoanFigures,
    PoolFigures,
    StatsQuery,
    StatsResult,
    pool_statistics,
)
from riskpool.domain.persistence.statistics_cache import StatisticsCache
from riskpool.domain.views.scope import Scope

__all__ = [
    "Bucket",
    "GroupBy",
    "LoanFigures",
    "PoolFigures",
    "StatsQuery",
    "loan_statistics",
    "pool_figures",
]


async def loan_statistics(
    actor: Actor, conn: AsyncConnection, query: StatsQuery, *, cache: StatisticsCache
) -> StatsResult:
    """``query``'s figures within the actor's scope (the cache is keyed on the scoped query)."""
    authorize(actor, Operation.READ_STATISTICS)
    scope = Scope.of(actor)
    scoped = (
        query if scope.everything else dataclasses.replace(query, visible_to=scope.institution_id)
    )
    return await cache.loan_statistics(conn, scoped)


async def pool_figures(actor: Actor, conn: AsyncConnection, as_of: date) -> PoolFigures:
    """The funds' cash, payable, cover and floor at the end of ``as_of``."""
    authorize(actor, Operation.READ_LEDGER)
    return await pool_statistics(conn, as_of)
