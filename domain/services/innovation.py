"""Use cases of the innovation points: local indicators, submissions, scoring runs.

Who may do what (the API's matrix repeats it):

* define a local indicator — the operator (it runs the index platform);
* submit a firm's values — the operator, or an institution for a firm it
  lends to or guarantees (banks collect the data when they lend);
* run the scoring of a year — the operator; the run stores every score with
  its contributions and sets each scored firm's current tier, which pool
  entry then reads (:meth:`riskpool.domain.loan.Loan.enter_pool`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from riskpool.domain.innovation.catalogue import (
    Catalogue,
    Direction,
    Stage,
    Unit,
    local_indicator,
)
from riskpool.domain.innovation.scoring import FirmScore, score_submissions
from riskpool.domain.innovation.submission import Submission, validate_submission
from riskpool.domain.parties import Actor, Role
from riskpool.domain.persistence.innovation import (
    ScoringRun,
    lends_to,
)
from riskpool.domain.persistence.tables import firms
from riskpool.domain.services.base import Service, require_role
from riskpool.errors import ErrorCode, RiskpoolError


def _now(at: datetime | None) -> datetime:
    return at if at is not None else datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ScoredRun:
    """A scoring run with the scores the reader may see."""

    run: ScoringRun
    scores: tuple[FirmScore, ...]


class InnovationService(Service):
    async def define_local_indicator(
        self,
        actor: Actor,
        *,
        code: str,
        name: str,
        unit: Unit,
        minimum: Decimal,
        maximum: Decimal,
        weights: Mapping[Stage, Decimal],
        direction: Direction = Direction.HIGHER_IS_BETTER,
        description: str = "",
        at: datetime | None = None,
    ) -> Catalogue:
        """Add a local indicator (the "N"); returns the new catalogue version."""
        require_role(actor, Role.OPERATOR)
        indicator = local_indicator(
            code=code,
            name=name,
            unit=unit,
            minimum=minimum,
            maximum=maximum,
            weights=weights,
            direction=direction,
            description=description,
        )
        async with self.uow() as uow:
            current = await uow.innovation.catalogue()
            base = current.version.split("+L", 1)[0]
            await uow.innovation.add_local_indicator(base, indicator, actor, _now(at))
            return await uow.innovation.catalogue()

    async def submit(
        self,
        actor: Actor,
        *,
        firm_id: int,
        year: int,
        stage: Stage | str,
        values: Mapping[str, Decimal | None],
        source: str,
        at: datetime | None = None,
    ) -> Submission:
        """Validate and store a firm's values for ``year`` against the current catalogue."""
        require_role(actor, Role.OPERATOR, Role.INSTITUTION)
        async with self.uow() as uow:
            await uow.firms.get(firm_id)
            if actor.institution_id is not None:
                allowed = await uow.conn.execute(
                    select(firms.c.id).where(
                        firms.c.id == firm_id, lends_to(actor.institution_id, firms.c.id)
                    )
                )
                if allowed.first() is None:
                    raise RiskpoolError(
                        ErrorCode.FORBIDDEN,
                        "an institution may submit only for firms it lends to or guarantees",
                        field="firmId",
                    )
            catalogue = await uow.innovation.catalogue()
            submission = validate_submission(
                catalogue,
                firm_id=firm_id,
                year=year,
                stage=stage,
                values=values,
                source=source,
                submitted_by=actor,
                submitted_at=_now(at),
            )
            return await uow.innovation.add_submission(submission)

    async def score(
        self,
        actor: Actor,
        *,
        year: int,
        tier_cuts: Iterable[Decimal] | None = None,
        at: datetime | None = None,
    ) -> ScoredRun:
        """Score every firm's latest submission for ``year`` with the current catalogue.

        Refused with ``VALIDATION`` when nothing was submitted for the year.
        """
        require_role(actor, Role.OPERATOR)
        async with self.uow() as uow:
            catalogue = await uow.innovation.catalogue()
            submissions = await uow.innovation.latest_submissions(year)
            if not submissions:
                raise RiskpoolError(
                    ErrorCode.VALIDATION, f"no submissions for {year}", field="year"
                )
            cuts = tuple(catalogue.tier_cuts if tier_cuts is None else tier_cuts)
            scores = score_submissions(catalogue, submissions, tier_cuts=cuts)
            run = await uow.innovation.add_run(
                year=year,
                catalogue=catalogue,
                tier_cuts=cuts,
                scores=scores,
                actor=actor,
                at=_now(at),
            )
            return ScoredRun(run=run, scores=scores)
