"""Handlers of the innovation points: local indicators, submissions, scoring runs.

Who may do what is the permission table's: define and score — the operator
(it runs the index platform); submit — the operator, or an institution for a
firm it lends to or guarantees (banks collect the data when they lend). A
scoring run stores every score with its contributions and sets each scored
firm's current tier, which pool entry then reads.
"""

from __future__ import annotations

from riskpool.domain.commands.innovation import (
    DefineLocalIndicator,
    RunScoring,
    SubmitIndicators,
)
from riskpool.domain.handlers.common import not_found
from riskpool.domain.handlers.ports import UnitOfWork
from riskpool.domain.model.innovation.catalogue import Catalogue, local_indicator
from riskpool.domain.model.innovation.runs import ScoredRun
from riskpool.domain.model.innovation.scoring import score_submissions
from riskpool.domain.model.innovation.submission import Submission, validate_submission
from riskpool.domain.model.parties import Actor
from riskpool.domain.permissions import Operation, authorize
from riskpool.errors import ErrorCode, RiskpoolError


async def define_local_indicator(
    cmd: DefineLocalIndicator, actor: Actor, uow: UnitOfWork
) -> Catalogue:
    """Add a local indicator (the "N"); returns the new catalogue version."""
    authorize(actor, Operation.INNOVATION_DEFINE)
    indicator = local_indicator(
        code=cmd.code,
        name=cmd.name,
        unit=cmd.unit,
        minimum=cmd.minimum,
        maximum=cmd.maximum,
        weights=cmd.weights,
        direction=cmd.direction,
        description=cmd.description,
    )
    current = await uow.innovation.catalogue()
    base = current.version.split("+L", 1)[0]
    await uow.innovation.add_local_indicator(base, indicator, actor, uow.now())
    return await uow.innovation.catalogue()


async def submit_indicators(cmd: SubmitIndicators, actor: Actor, uow: UnitOfWork) -> Submission:
    """Validate and store a firm's values for ``year`` against the current catalogue."""
    authorize(actor, Operation.INNOVATION_SUBMIT)
    await uow.firms.get(cmd.firm_id)
    if actor.institution_id is not None and not await uow.loans.lends_to(
        actor.institution_id, cmd.firm_id
    ):
        # Issue 15: a firm the institution does not lend to is answered as a missing one.
        raise not_found("firm", cmd.firm_id)
    catalogue = await uow.innovation.catalogue()
    submission = validate_submission(
        catalogue,
        firm_id=cmd.firm_id,
        year=cmd.year,
        stage=cmd.stage,
        values=cmd.values,
        source=cmd.source,
        submitted_by=actor,
        submitted_at=uow.now(),
    )
    return await uow.innovation.add_submission(submission)


async def run_scoring(cmd: RunScoring, actor: Actor, uow: UnitOfWork) -> ScoredRun:
    """Score every firm's latest submission for ``year`` with the current catalogue.

    Refused with ``VALIDATION`` when nothing was submitted for the year.
    """
    authorize(actor, Operation.INNOVATION_SCORE)
    catalogue = await uow.innovation.catalogue()
    submissions = await uow.innovation.latest_submissions(cmd.year)
    if not submissions:
        raise RiskpoolError(ErrorCode.VALIDATION, f"no submissions for {cmd.year}", field="year")
    cuts = tuple(catalogue.tier_cuts if cmd.tier_cuts is None else cmd.tier_cuts)
    scores = score_submissions(catalogue, submissions, tier_cuts=cuts)
    run = await uow.innovation.add_run(
        year=cmd.year, catalogue=catalogue, tier_cuts=cuts, scores=scores, actor=actor,
        at=uow.now(),
    )  # fmt: skip
    return ScoredRun(run=run, scores=scores)
