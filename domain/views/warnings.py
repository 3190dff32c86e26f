"""The early warnings as of a date: read the figures, let the pure warnings module decide.

The figures come from where the dashboard's own statistics come from, so a
warning never disagrees with a chart: loss rates and outstanding principal per
claimant and per sector from :func:`riskpool.domain.persistence.statistics.loan_statistics`
(the suspension module's definition, in SQL), the funds' cash and payable
compensation from :func:`~riskpool.domain.persistence.statistics.pool_statistics`
(the ledger), and the few overdue loan candidates rebuilt as :class:`Loan`
objects so the policy's own trigger decides.

Scoping (issue 15): an institution user sees its own loans approaching the
trigger and its own loss-rate warning — figures of its own loans only. The
pool's balance and every concentration warning are the fund's business and are
not shown to it: a concentration is a share of the *pool-wide* outstanding, so
any share it were shown (for instance with ``institutionShareLimit: "0"``)
together with its own outstanding would give away the pool's total.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.model.claim import ClaimState
from riskpool.domain.model.innovation.warnings import (
    ConcentrationDimension,
    EarlyWarning,
    Exposure,
    InstitutionRate,
    WarningKind,
    WarningLimits,
    concentrations,
    institutions_near_suspension,
    loans_near_trigger,
    pool_below_floor,
)
from riskpool.domain.model.parties import Actor
from riskpool.domain.model.policies_shipped import SHIPPED_POLICIES
from riskpool.domain.permissions import Operation, authorize
from riskpool.domain.persistence import statistics as stats
from riskpool.domain.persistence.repositories import InstitutionRepository, LoanRepository
from riskpool.domain.persistence.tables import claims, loans
from riskpool.domain.views.scope import Scope, loan_visible
from riskpool.errors import ErrorCode, RiskpoolError

_CLOSED = (ClaimState.REJECTED.value, ClaimState.WITHDRAWN.value)

MAX_OVERDUE_DAYS = 36_600
"""A century: past it no loan can be overdue, and the date arithmetic would overflow."""

_POOL_ONLY = frozenset({WarningKind.POOL_BELOW_FLOOR, WarningKind.CONCENTRATION})
"""Kinds that are about the whole pool: never shown to an institution user."""


async def _loan_warnings(
    conn: AsyncConnection, on: date, limits: WarningLimits, scope: Scope, only: int | None
) -> list[EarlyWarning]:
    conditions = [
        loans.c.pool_entry_on.is_not(None),
        loans.c.pool_entry_on <= on,
        loans.c.overdue_since.is_not(None),
        loans.c.overdue_since <= on - timedelta(days=limits.overdue_days),
        loan_visible(scope),
    ]
    if only is not None:
        conditions.append(loan_visible(Scope(only)))
    ids = [int(r.id) for r in await conn.execute(select(loans.c.id).where(and_(*conditions)))]
    if not ids:
        return []
    claimed = {
        int(r.loan_id)
        for r in await conn.execute(
            select(claims.c.loan_id).where(
                claims.c.loan_id.in_(ids), claims.c.state.not_in(_CLOSED)
            )
        )
    }
    found = await LoanRepository(conn).get_many(ids)
    return list(
        loans_near_trigger(
            [found[i] for i in sorted(found)],
            SHIPPED_POLICIES,
            on,
            limits,
            claimed_loan_ids=claimed,
        )
    )


def _check(limits: WarningLimits, on: date) -> None:
    if not 0 <= limits.overdue_days <= MAX_OVERDUE_DAYS:
        raise RiskpoolError(
            ErrorCode.VALIDATION,
            f"overdueDays must be between 0 and {MAX_OVERDUE_DAYS}",
            field="overdueDays",
        )
    if on >= date.max:
        raise RiskpoolError(ErrorCode.VALIDATION, "asOf is out of range", field="asOf")


async def early_warnings(
    actor: Actor,
    conn: AsyncConnection,
    on: date,
    limits: WarningLimits,
    *,
    kind: WarningKind | None = None,
    institution_id: int | None = None,
) -> list[EarlyWarning]:
    """Every warning of ``kind`` (all kinds when ``None``) on ``on`` the actor may read.

    ``institution_id`` filters to one institution (a dashboard filter); for an
    institution user another institution's id answers nothing, like a missing one.
    """
    authorize(actor, Operation.READ_WARNINGS)
    _check(limits, on)
    scope = Scope.of(actor)
    if not scope.admits(institution_id):
        return []
    only = institution_id if scope.everything else scope.institution_id
    wanted = set(WarningKind) if kind is None else {kind}
    if not scope.everything:
        wanted -= _POOL_ONLY
    result: list[EarlyWarning] = []
    if WarningKind.LOAN_NEAR_TRIGGER in wanted:
        result += await _loan_warnings(conn, on, limits, scope, only)
    by_claimant: stats.StatsResult | None = None
    if wanted & {WarningKind.INSTITUTION_NEAR_SUSPENSION, WarningKind.CONCENTRATION}:
        # Pool-wide on purpose: a share needs the whole pool; only rows of ``only``
        # (an institution reader's own) leave this function.
        by_claimant = await stats.loan_statistics(
            conn, stats.StatsQuery(as_of=on, group_by=stats.GroupBy.CLAIMANT)
        )
    policy = next((p for p in SHIPPED_POLICIES if p.in_force_on(on)), None)
    if WarningKind.INSTITUTION_NEAR_SUSPENSION in wanted and by_claimant and policy is not None:
        rows = [r for r in by_claimant.rows if only is None or int(str(r.key.group)) == only]
        institutions = await InstitutionRepository(conn).get_many(
            int(str(r.key.group)) for r in rows
        )
        rates = [
            InstitutionRate(
                institution_id=int(str(row.key.group)),
                name=row.key.label or "",
                bad=row.loss_numerator,
                base=row.loss_base,
                active=institutions[int(str(row.key.group))].is_active,
            )
            for row in rows
        ]
        result += institutions_near_suspension(rates, policy.suspension_threshold, limits)
    if WarningKind.POOL_BELOW_FLOOR in wanted and only is None:
        pool = await stats.pool_statistics(conn, on)
        if pool.floor is not None:
            cash = pool.pool_cash if pool.floor_book.value == "CITY_POOL" else pool.reserve_cash
            warning = pool_below_floor(
                book=pool.floor_book.value,
                cash=cash,
                compensation_payable=pool.compensation_payable,
                floor=pool.floor,
                limits=limits,
            )
            if warning is not None:
                result.append(warning)
    if WarningKind.CONCENTRATION in wanted and by_claimant is not None:
        exposures = [
            Exposure(str(row.key.group), row.key.label or "", row.outstanding)
            for row in by_claimant.rows
        ]
        found = concentrations(
            ConcentrationDimension.INSTITUTION, exposures, limits.institution_share_limit
        )
        result += [w for w in found if only is None or w.institution_id == only]
        if only is None:
            by_sector = await stats.loan_statistics(
                conn, stats.StatsQuery(as_of=on, group_by=stats.GroupBy.SECTOR)
            )
            result += concentrations(
                ConcentrationDimension.SECTOR,
                [
                    Exposure(str(row.key.group), row.key.label or "", row.outstanding)
                    for row in by_sector.rows
                ],
                limits.sector_share_limit,
            )
    return result
