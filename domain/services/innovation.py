"""Reads of the innovation points: the catalogue and a run's scores, institution-scoped.

The writes (local indicators, submissions, scoring runs) are commands handled
by :mod:`riskpool.domain.handlers.innovation`.
"""

from __future__ import annotations

from riskpool.domain.innovation.catalogue import Catalogue
from riskpool.domain.innovation.runs import ScoredRun
from riskpool.domain.persistence.innovation import InnovationRepository, firm_visible
from riskpool.domain.persistence.innovation_tables import innovation_scores
from riskpool.domain.services.base import Service

__all__ = ["InnovationService", "ScoredRun", "read_scores"]


class InnovationService(Service):
    async def catalogue(self, version: str | None = None) -> Catalogue:
        """Catalogue ``version`` (``None``: the current one, core plus every local indicator)."""
        async with self.db.transaction(write=False) as conn:
            return await InnovationRepository(conn).catalogue(version)

    async def scores(
        self,
        *,
        institution_id: int | None = None,
        year: int | None = None,
        run_id: int | None = None,
        firm_id: int | None = None,
    ) -> ScoredRun | None:
        """A run's scores (``run_id``, else the latest run of ``year``, else the latest run).

        ``institution_id`` scopes to the firms that institution lends to, in SQL.
        """
        async with self.db.transaction(write=False) as conn:
            return await read_scores(
                InnovationRepository(conn),
                institution_id=institution_id,
                year=year,
                run_id=run_id,
                firm_id=firm_id,
            )


async def read_scores(
    repository: InnovationRepository,
    *,
    institution_id: int | None = None,
    year: int | None = None,
    run_id: int | None = None,
    firm_id: int | None = None,
) -> ScoredRun | None:
    """See :meth:`InnovationService.scores`; usable on a request's read snapshot."""
    run = await repository.run(run_id) if run_id is not None else await repository.latest_run(year)
    if run is None:
        return None
    visible = firm_visible(institution_id, innovation_scores.c.firm_id)
    if firm_id is not None:
        visible = visible & (innovation_scores.c.firm_id == firm_id)
    return ScoredRun(run=run, scores=tuple(await repository.scores(run, visible=visible)))
