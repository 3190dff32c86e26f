"""A result cache for the dashboard statistics, exact under writes.

Why a cache: over a million loans one statistics query costs seconds of
database time, while a dashboard asks the same question again and again.
Why it is exact: every write transaction of the domain advances the
``data_versions`` counter in the same transaction (see the unit of work), and
the cache key includes the counter as read in the request's own snapshot. A
request therefore gets either the figures computed for exactly the data it
sees, or computes them afresh; it can never see figures older than its
snapshot. The cache lives in the process; several processes each keep their
own, all keyed on the same database counter.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.persistence.statistics import (
    PoolFigures,
    StatsQuery,
    StatsResult,
    loan_statistics,
    pool_statistics,
)
from riskpool.domain.persistence.tables import data_versions


async def domain_version(conn: AsyncConnection) -> int:
    result = await conn.execute(
        select(data_versions.c.version).where(data_versions.c.name == "domain")
    )
    return int(result.scalar_one_or_none() or 0)


class StatisticsCache:
    """An LRU of statistics results keyed on (question, data version)."""

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize
        self._loans: OrderedDict[tuple[StatsQuery, int], StatsResult] = OrderedDict()
        self.hits = 0
        self.misses = 0

    async def loan_statistics(self, conn: AsyncConnection, query: StatsQuery) -> StatsResult:
        key = (query, await domain_version(conn))
        found = self._loans.get(key)
        if found is not None:
            self._loans.move_to_end(key)
            self.hits += 1
            return found
        self.misses += 1
        result = await loan_statistics(conn, query)
        self._loans[key] = result
        if len(self._loans) > self.maxsize:
            self._loans.popitem(last=False)
        return result

    async def pool_statistics(self, conn: AsyncConnection, as_of: date) -> PoolFigures:
        """Not cached: it reads the ledger, whose writes do not advance the counter."""
        return await pool_statistics(conn, as_of)
