"""The demo covers every innovation tier and every kind of early warning (both dialects)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from moneyed import Money

from riskpool.bootstrap import build
from riskpool.demo import (
    INNOVATION_YEAR,
    POOL_WARNING_AS_OF,
    WARNINGS_AS_OF,
    load_demo,
)
from riskpool.domain.model.innovation.catalogue import Stage
from riskpool.domain.model.innovation.warnings import (
    Concentration,
    LoanNearTrigger,
    PoolBelowFloor,
    WarningKind,
    WarningLimits,
)
from riskpool.domain.model.parties import Actor, Role
from riskpool.domain.views import innovation as innovation_views
from riskpool.domain.views import warnings as warning_views
from riskpool.settings import Settings

OPERATOR = Actor(Role.OPERATOR, "op")


def cny(value: str) -> Money:
    return Money(Decimal(value), "CNY")


async def test_demo_covers_every_tier_and_every_warning(demo_database: Any) -> None:
    database = demo_database
    # Loading again is a replay: it changes nothing and reports what the template holds.
    report = await load_demo(
        build(Settings(database_url=database.url, load_demo=False), db=database.db)
    )
    assert (report.institutions, report.firms, report.loans) == (15, 86, 106)
    async with database.db.transaction(write=False) as conn:
        scored = await innovation_views.scores(OPERATOR, conn, year=INNOVATION_YEAR)
    assert scored is not None
    assert scored.run.catalogue_version == "NAT-2024+L1"
    assert scored.run.firm_count == 86
    for stage in Stage:
        tiers = {s.tier for s in scored.scores if s.stage is stage}
        assert tiers == {1, 2, 3, 4, 5}, stage
    for score in scored.scores:
        assert sum(c.points for c in score.contributions) == score.score
        assert len(score.contributions) == 19

    async def warnings(on: Any, **kwargs: Any) -> Any:
        async with database.db.transaction(write=False) as conn:
            return await warning_views.early_warnings(OPERATOR, conn, on, WarningLimits(), **kwargs)

    late = await warnings(WARNINGS_AS_OF)
    assert {w.kind for w in late} == {
        WarningKind.LOAN_NEAR_TRIGGER,
        WarningKind.INSTITUTION_NEAR_SUSPENSION,
        WarningKind.CONCENTRATION,
    }
    (near,) = [w for w in late if isinstance(w, LoanNearTrigger)]
    assert near.days_overdue == 40 and near.contract_no.startswith("ZKD2-")
    dimensions = {w.dimension.value for w in late if isinstance(w, Concentration)}
    assert dimensions == {"INSTITUTION", "SECTOR"}
    assert any(w.label == "郑州银行" for w in late if isinstance(w, Concentration))

    early = await warnings(POOL_WARNING_AS_OF, kind=WarningKind.POOL_BELOW_FLOOR)
    (pool,) = early
    assert isinstance(pool, PoolBelowFloor)
    assert pool.cash == cny("70000000.00")
    assert pool.floor == cny("100000000.00")
    assert pool.top_up_needed == cny("30000000.00")
