"""Early warnings as of a date: read the figures, let the pure warnings module decide.

The figures come from where the dashboard's own statistics come from, so a
warning never disagrees with a chart: loss rates and outstanding principal per
claimant and per sector from :func:`riskpool.domain.persistence.statistics.loan_statistics`
(the suspension module's definition, in SQL), the funds' cash and payable
compensation from :func:`~riskpool.domain.persistence.statistics.pool_statistics`
(the ledger), and the few overdue loan candidates rebuilt as :class:`Loan`
objects so the policy's own trigger decides.

Scoping: an institution user sees its own loans approaching the trigger, its
own loss-rate warning and its own concentration; the pool's balance and the
sector concentration are the fund's business and are not shown to it. Shares
are always computed over the whole pool, then filtered.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.claim import ClaimState
from riskpool.domain.innovation.warnings import (
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
from riskpool.domain.persistence import statistics as stats
from riskpool.domain.persistence.repositories import InstitutionRepository, LoanRepository
from riskpool.domain.persistence.tables import claims, loans
from riskpool.domain.policies_shipped import SHIPPED_POLICIES
from riskpool.domain.services.base import Service

_CLOSED = (ClaimState.REJECTED.value, ClaimState.WITHDRAWN.value)


async def _loan_warnings(
    conn: AsyncConnection, on: date, limits: WarningLimits, institution_id: int | None
) -> list[EarlyWarning]:
    conditions = [
        loans.c.pool_entry_on.is_not(None),
        loans.c.pool_entry_on <= on,
        loans.c.overdue_since.is_not(None),
        loans.c.overdue_since <= on - timedelta(days=limits.overdue_days),
    ]
    if institution_id is not None:
        conditions.append(
            or_(loans.c.lender_id == institution_id, loans.c.guarantor_id == institution_id)
        )
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


async def compute_warnings(
    conn: AsyncConnection,
    on: date,
    limits: WarningLimits,
    *,
    kind: WarningKind | None = None,
    institution_id: int | None = None,
    scope_institution_id: int | None = None,
) -> list[EarlyWarning]:
    """Every warning of ``kind`` (all kinds when ``None``) on ``on``, ordered by kind.

    ``institution_id`` filters to one institution (a dashboard filter);
    ``scope_institution_id`` is the reader's scope (an institution user) and
    wins over the filter.
    """
    only = scope_institution_id if scope_institution_id is not None else institution_id
    if scope_institution_id is not None and institution_id not in (None, scope_institution_id):
        return []
    wanted = set(WarningKind) if kind is None else {kind}
    result: list[EarlyWarning] = []
    if WarningKind.LOAN_NEAR_TRIGGER in wanted:
        result += await _loan_warnings(conn, on, limits, only)
    by_claimant: stats.StatsResult | None = None
    if wanted & {WarningKind.INSTITUTION_NEAR_SUSPENSION, WarningKind.CONCENTRATION}:
        by_claimant = await stats.loan_statistics(
            conn, stats.StatsQuery(as_of=on, group_by=stats.GroupBy.CLAIMANT)
        )
    policy = next((p for p in SHIPPED_POLICIES if p.in_force_on(on)), None)
    if WarningKind.INSTITUTION_NEAR_SUSPENSION in wanted and by_claimant and policy is not None:
        ids = [int(str(row.key.group)) for row in by_claimant.rows]
        institutions = await InstitutionRepository(conn).get_many(ids)
        rates = [
            InstitutionRate(
                institution_id=int(str(row.key.group)),
                name=row.key.label or "",
                bad=row.loss_numerator,
                base=row.loss_base,
                active=institutions[int(str(row.key.group))].is_active,
            )
            for row in by_claimant.rows
            if only is None or int(str(row.key.group)) == only
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


class WarningService(Service):
    async def warnings(
        self,
        on: date,
        limits: WarningLimits | None = None,
        *,
        kind: WarningKind | None = None,
        institution_id: int | None = None,
        scope_institution_id: int | None = None,
    ) -> list[EarlyWarning]:
        """:func:`compute_warnings` in one read transaction (one snapshot)."""
        async with self.db.transaction(write=False) as conn:
            return await compute_warnings(
                conn,
                on,
                limits or WarningLimits(),
                kind=kind,
                institution_id=institution_id,
                scope_institution_id=scope_institution_id,
            )
