"""Views of the innovation points: the indicator catalogue and the scores of a run.

Scoping (issue 15): an institution user reads the scores of the firms it lends
to or guarantees a loan to, and nothing about the rest of the pool. A score is
computed within its stage's cohort — pool-wide — so the figures that describe
the cohort rather than the firm are withheld from it: the cohort's minimum and
maximum of each indicator (other firms' values), the cohort's size, and the
run's pool-wide firm count (replaced by the number of firms it may see). What
it keeps is the firm's own: its values, normalised values, points, score,
percentile and tier.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.model.innovation.catalogue import Catalogue
from riskpool.domain.model.innovation.scoring import FirmScore
from riskpool.domain.model.parties import Actor
from riskpool.domain.permissions import Operation, authorize
from riskpool.domain.persistence.innovation import InnovationRepository, ScoringRun
from riskpool.domain.persistence.innovation_tables import innovation_scores
from riskpool.domain.views.scope import Scope, firm_visible


@dataclass(frozen=True, slots=True)
class RunScores:
    """A scoring run with the scores the reader may see.

    ``cohort_shown`` is false for an institution reader: the cohort figures of
    ``scores`` (min, max, size) are not for it, and ``run.firm_count`` counts
    the firms it may see.
    """

    run: ScoringRun
    scores: tuple[FirmScore, ...]
    cohort_shown: bool


async def catalogue(actor: Actor, conn: AsyncConnection, version: str | None = None) -> Catalogue:
    """Catalogue ``version`` (``None``: the current one, core plus every local indicator)."""
    authorize(actor, Operation.READ_INNOVATION)
    return await InnovationRepository(conn).catalogue(version)


async def scores(
    actor: Actor,
    conn: AsyncConnection,
    *,
    year: int | None = None,
    run_id: int | None = None,
    firm_id: int | None = None,
) -> RunScores | None:
    """A run's scores (``run_id``, else the latest run of ``year``, else the latest run).

    Runs are the pool's, not a tenant's: a missing ``run_id`` is ``NOT_FOUND``
    for everyone. A firm the reader may not see answers as a firm without a
    score: no score.
    """
    authorize(actor, Operation.READ_INNOVATION)
    repository = InnovationRepository(conn)
    run = await repository.run(run_id) if run_id is not None else await repository.latest_run(year)
    if run is None:
        return None
    scope = Scope.of(actor)
    visible: ColumnElement[bool] = firm_visible(scope, innovation_scores.c.firm_id)
    wanted = visible if firm_id is None else visible & (innovation_scores.c.firm_id == firm_id)
    found = tuple(await repository.scores(run, visible=wanted))
    if scope.everything:
        return RunScores(run=run, scores=found, cohort_shown=True)
    count = (
        await conn.execute(
            select(func.count())
            .select_from(innovation_scores)
            .where(innovation_scores.c.run_id == run.id, visible)
        )
    ).scalar_one()
    return RunScores(
        run=dataclasses.replace(run, firm_count=int(count)), scores=found, cohort_shown=False
    )
