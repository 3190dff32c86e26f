"""GraphQL types of the dashboard statistics (translations of the read side's records)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from riskpool.domain.views import statistics as stats
from riskpool.graphql.core.scalars import MoneyType

GroupBy = strawberry.enum(stats.GroupBy, name="StatsGroupBy")
Bucket = strawberry.enum(stats.Bucket, name="StatsBucket")


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(Decimal("0.000001")), "f")


@strawberry.type(description="Figures of one group or bucket (or the totals).")
class LoanFigures:
    group: str | None = strawberry.field(description="Group key (institution id, type, …).")
    label: str | None = strawberry.field(description="Display label of the group.")
    bucket: str | None = strawberry.field(description='Period label: "2025-01", "2025-Q1", "2025".')
    credit_granted: MoneyType
    disbursed: MoneyType
    repaid: MoneyType
    outstanding: MoneyType
    loan_count: int
    firm_count: int
    overdue_principal: MoneyType
    overdue_rate: str | None = strawberry.field(description="Overdue ÷ outstanding (6 decimals).")
    compensation_paid: MoneyType
    compensation_pending: MoneyType
    claims_in_review: MoneyType
    loss_rate: str | None = strawberry.field(
        description="Per riskpool.domain.model.suspension (6 dp)."
    )

    @classmethod
    def of(cls, f: stats.LoanFigures) -> LoanFigures:
        return cls(
            group=None if f.key.group is None else str(f.key.group),
            label=f.key.label,
            bucket=f.key.bucket,
            credit_granted=MoneyType.of(f.credit_granted),
            disbursed=MoneyType.of(f.disbursed),
            repaid=MoneyType.of(f.repaid),
            outstanding=MoneyType.of(f.outstanding),
            loan_count=f.loan_count,
            firm_count=f.firm_count,
            overdue_principal=MoneyType.of(f.overdue_principal),
            overdue_rate=_rate(f.overdue_rate),
            compensation_paid=MoneyType.of(f.compensation_paid),
            compensation_pending=MoneyType.of(f.compensation_pending),
            claims_in_review=MoneyType.of(f.claims_in_review),
            loss_rate=_rate(f.loss_rate),
        )


@strawberry.type
class LoanStatistics:
    as_of: date
    totals: LoanFigures
    rows: list[LoanFigures]


@strawberry.type(description="The funds' cash and cover as of a date, from the ledger.")
class PoolStatistics:
    as_of: date
    reserve_cash: MoneyType
    pool_cash: MoneyType
    cash: MoneyType
    compensation_payable: MoneyType
    available: MoneyType
    outstanding: MoneyType
    coverage: str | None
    policy_code: str | None
    floor: MoneyType | None
    shortfall: MoneyType

    @classmethod
    def of(cls, p: stats.PoolFigures) -> PoolStatistics:
        return cls(
            as_of=p.as_of,
            reserve_cash=MoneyType.of(p.reserve_cash),
            pool_cash=MoneyType.of(p.pool_cash),
            cash=MoneyType.of(p.cash),
            compensation_payable=MoneyType.of(p.compensation_payable),
            available=MoneyType.of(p.available),
            outstanding=MoneyType.of(p.outstanding),
            coverage=_rate(p.coverage),
            policy_code=p.policy_code,
            floor=MoneyType.of(p.floor) if p.floor is not None else None,
            shortfall=MoneyType.of(p.shortfall),
        )
