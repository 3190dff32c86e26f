"""Repository and read model of the innovation points: catalogue versions, submissions, scores.

Catalogue versions are rebuilt, not stored: the core is shipped data
(:data:`riskpool.domain.model.innovation.catalogue.CATALOGUES`) and version
``<core>+L<n>`` is the core plus the first ``n`` local indicators defined for
it (append-only, numbered by ``seq``), so any version a score names can be
rebuilt exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.model.innovation.catalogue import (
    CURRENT_CORE,
    Catalogue,
    Direction,
    Indicator,
    Stage,
    Unit,
    core_catalogue,
    local_indicator,
)
from riskpool.domain.model.innovation.runs import ScoredRun
from riskpool.domain.model.innovation.runs import ScoringRun as ScoringRun  # its old home
from riskpool.domain.model.innovation.scoring import Contribution, FirmScore
from riskpool.domain.model.innovation.submission import Submission
from riskpool.domain.model.parties import Actor, Role
from riskpool.domain.persistence.innovation_tables import (
    innovation_local_indicators,
    innovation_scores,
    innovation_scoring_runs,
    innovation_submissions,
)
from riskpool.domain.persistence.tables import firms, loans
from riskpool.errors import ErrorCode, RiskpoolError


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _contribution_json(c: Contribution) -> dict[str, str]:
    return {
        "code": c.code,
        "value": str(c.value),
        "cohortMin": str(c.cohort_min),
        "cohortMax": str(c.cohort_max),
        "normalised": str(c.normalised),
        "weight": str(c.weight),
        "totalWeight": str(c.total_weight),
        "points": str(c.points),
    }


def _contribution(data: dict[str, str]) -> Contribution:
    return Contribution(
        code=data["code"],
        value=Decimal(data["value"]),
        cohort_min=Decimal(data["cohortMin"]),
        cohort_max=Decimal(data["cohortMax"]),
        normalised=Decimal(data["normalised"]),
        weight=Decimal(data["weight"]),
        total_weight=Decimal(data["totalWeight"]),
        points=Decimal(data["points"]),
    )


def _submission(row: Any) -> Submission:
    return Submission(
        id=int(row.id),
        firm_id=int(row.firm_id),
        year=int(row.year),
        stage=Stage(row.stage),
        catalogue_version=row.catalogue_version,
        values={code: Decimal(value) for code, value in row.indicator_values.items()},
        source=row.source,
        submitted_by=Actor(
            Role(row.submitted_by_role), row.submitted_by_subject, row.submitted_by_institution_id
        ),
        submitted_at=_utc(row.submitted_at),
    )


def _score(row: Any, version: str, year: int) -> FirmScore:
    return FirmScore(
        firm_id=int(row.firm_id),
        year=year,
        stage=Stage(row.stage),
        catalogue_version=version,
        score=Decimal(row.score),
        percentile=Decimal(row.percentile),
        tier=int(row.tier),
        cohort_size=int(row.cohort_size),
        contributions=tuple(_contribution(c) for c in row.contributions),
        submission_id=int(row.submission_id),
    )


def _run(row: Any) -> ScoringRun:
    return ScoringRun(
        id=int(row.id),
        year=int(row.year),
        catalogue_version=row.catalogue_version,
        tier_cuts=tuple(Decimal(c) for c in row.tier_cuts),
        firm_count=int(row.firm_count),
        run_by=Actor(Role(row.run_by_role), row.run_by_subject),
        run_at=_utc(row.run_at),
    )


class InnovationRepository:
    """Reads and appends innovation records over one connection (a unit of work's, or a read's)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.written: set[str] = set()

    # -- catalogue --------------------------------------------------------------------

    async def local_indicators(self, base_version: str) -> list[Indicator]:
        t = innovation_local_indicators
        rows = await self.conn.execute(
            select(t).where(t.c.base_version == base_version).order_by(t.c.seq)
        )
        return [
            local_indicator(
                code=row.code,
                name=row.name,
                unit=Unit(row.unit),
                minimum=Decimal(row.minimum),
                maximum=Decimal(row.maximum),
                weights={Stage(k): Decimal(v) for k, v in row.weights.items()},
                direction=Direction(row.direction),
                description=row.description,
            )
            for row in rows
        ]

    async def catalogue(self, version: str | None = None) -> Catalogue:
        """Catalogue ``version`` rebuilt (see the module docstring); ``None``: the newest."""
        core = core_catalogue(version) if version is not None else CURRENT_CORE
        local = await self.local_indicators(core.version)
        if version is None or "+L" not in version:
            count = len(local) if version is None else 0
        else:
            suffix = version.split("+L", 1)[1]
            if not suffix.isdigit() or not 0 < int(suffix) <= len(local):
                raise RiskpoolError(
                    ErrorCode.NOT_FOUND, f"no catalogue {version!r}", field="catalogueVersion"
                )
            count = int(suffix)
        return core.with_local(local[:count])

    async def add_local_indicator(
        self, base_version: str, indicator: Indicator, actor: Actor, at: datetime
    ) -> None:
        t = innovation_local_indicators
        existing = await self.local_indicators(base_version)
        core = core_catalogue(base_version)
        if indicator.code in core or any(i.code == indicator.code for i in existing):
            raise RiskpoolError(
                ErrorCode.DUPLICATE, f"indicator {indicator.code} exists", field="code"
            )
        await self.conn.execute(
            insert(t).values(
                base_version=base_version,
                seq=len(existing) + 1,
                code=indicator.code,
                name=indicator.name,
                unit=indicator.unit.value,
                minimum=str(indicator.minimum),
                maximum=str(indicator.maximum),
                direction=indicator.direction.value,
                weights={s.value: str(w) for s, w in indicator.weights.items()},
                description=indicator.description,
                defined_by_role=actor.role.value,
                defined_by_subject=actor.subject,
                defined_at=at.astimezone(UTC),
            )
        )
        self.written.add(t.name)

    # -- submissions ------------------------------------------------------------------

    async def add_submission(self, submission: Submission) -> Submission:
        by = submission.submitted_by
        result = await self.conn.execute(
            insert(innovation_submissions)
            .values(
                firm_id=submission.firm_id,
                year=submission.year,
                stage=submission.stage.value,
                catalogue_version=submission.catalogue_version,
                indicator_values={k: str(v) for k, v in submission.values.items()},
                source=submission.source,
                submitted_by_role=by.role.value,
                submitted_by_subject=by.subject,
                submitted_by_institution_id=by.institution_id,
                submitted_at=submission.submitted_at.astimezone(UTC),
            )
            .returning(innovation_submissions.c.id)
        )
        self.written.add(innovation_submissions.name)
        return _submission_with_id(submission, int(result.scalar_one()))

    async def submission(self, submission_id: int) -> Submission:
        t = innovation_submissions
        row = (await self.conn.execute(select(t).where(t.c.id == submission_id))).first()
        if row is None:
            raise RiskpoolError(
                ErrorCode.NOT_FOUND, f"no submission #{submission_id}", field="submissionId"
            )
        return _submission(row)

    async def latest_submissions(self, year: int) -> list[Submission]:
        """The newest submission of every firm for ``year`` (corrections supersede)."""
        t = innovation_submissions
        newest = (
            select(func.max(t.c.id).label("id"))
            .where(t.c.year == year)
            .group_by(t.c.firm_id)
            .subquery()
        )
        rows = await self.conn.execute(select(t).where(t.c.id.in_(select(newest.c.id))))
        return sorted((_submission(r) for r in rows), key=lambda s: s.firm_id)

    # -- scoring runs -----------------------------------------------------------------

    async def add_run(
        self,
        *,
        year: int,
        catalogue: Catalogue,
        tier_cuts: Sequence[Decimal],
        scores: Sequence[FirmScore],
        actor: Actor,
        at: datetime,
    ) -> ScoringRun:
        """Store a run and its scores, and set every scored firm's current tier."""
        result = await self.conn.execute(
            insert(innovation_scoring_runs)
            .values(
                year=year,
                catalogue_version=catalogue.version,
                tier_cuts=[str(c) for c in tier_cuts],
                firm_count=len(scores),
                run_by_role=actor.role.value,
                run_by_subject=actor.subject,
                run_at=at.astimezone(UTC),
            )
            .returning(innovation_scoring_runs.c.id)
        )
        run_id = int(result.scalar_one())
        self.written.add(innovation_scoring_runs.name)
        if scores:
            await self.conn.execute(
                insert(innovation_scores),
                [
                    {
                        "run_id": run_id,
                        "firm_id": s.firm_id,
                        "submission_id": s.submission_id,
                        "stage": s.stage.value,
                        "score": str(s.score),
                        "percentile": str(s.percentile),
                        "tier": s.tier,
                        "cohort_size": s.cohort_size,
                        "contributions": [_contribution_json(c) for c in s.contributions],
                    }
                    for s in scores
                ],
            )
            self.written.add(innovation_scores.name)
        for s in scores:
            await self.conn.execute(
                update(firms).where(firms.c.id == s.firm_id).values(innovation_tier=s.tier)
            )
            self.written.add(firms.name)
        return ScoringRun(
            id=run_id,
            year=year,
            catalogue_version=catalogue.version,
            tier_cuts=tuple(tier_cuts),
            firm_count=len(scores),
            run_by=actor,
            run_at=at,
        )

    async def run(self, run_id: int) -> ScoringRun:
        row = (
            await self.conn.execute(
                select(innovation_scoring_runs).where(innovation_scoring_runs.c.id == run_id)
            )
        ).first()
        if row is None:
            raise RiskpoolError(ErrorCode.NOT_FOUND, f"no scoring run #{run_id}", field="runId")
        return _run(row)

    async def latest_run(self, year: int | None = None) -> ScoringRun | None:
        t = innovation_scoring_runs
        query = select(t).order_by(t.c.id.desc()).limit(1)
        if year is not None:
            query = query.where(t.c.year == year)
        row = (await self.conn.execute(query)).first()
        return _run(row) if row is not None else None

    async def scores(
        self, run: ScoringRun, *, visible: ColumnElement[bool] | None = None
    ) -> list[FirmScore]:
        s = innovation_scores
        query = select(s).where(s.c.run_id == run.id).order_by(s.c.firm_id)
        if visible is not None:
            query = query.where(visible)
        rows = await self.conn.execute(query)
        return [_score(r, run.catalogue_version, run.year) for r in rows]

    async def scored_run(self, run_id: int) -> ScoredRun:
        """A stored run with all its scores (a replay of the scoring command)."""
        run = await self.run(run_id)
        return ScoredRun(run=run, scores=tuple(await self.scores(run)))


def _submission_with_id(submission: Submission, ident: int) -> Submission:
    return Submission(
        id=ident,
        firm_id=submission.firm_id,
        year=submission.year,
        stage=submission.stage,
        catalogue_version=submission.catalogue_version,
        values=submission.values,
        source=submission.source,
        submitted_by=submission.submitted_by,
        submitted_at=submission.submitted_at,
    )


def lends_to(institution_id: int, firm_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """``firm_id`` borrows from, or is guaranteed by, ``institution_id`` (any loan)."""
    return firm_id.in_(
        select(loans.c.firm_id).where(
            or_(loans.c.lender_id == institution_id, loans.c.guarantor_id == institution_id)
        )
    )
