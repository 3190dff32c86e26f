"""A scoring run as a record: its inputs, who ran it, and the scores it produced.

Pure data, apart from storage: the use case that scores returns it and the
reads rebuild it, so neither has to import the other's layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from riskpool.domain.model.innovation.scoring import FirmScore
from riskpool.domain.model.parties import Actor


@dataclass(frozen=True, slots=True)
class ScoringRun:
    """One stored scoring run: its inputs (year, catalogue version, cuts) and who ran it."""

    id: int
    year: int
    catalogue_version: str
    tier_cuts: tuple[Decimal, ...]
    firm_count: int
    run_by: Actor
    run_at: datetime


@dataclass(frozen=True, slots=True)
class ScoredRun:
    """A scoring run with the scores the reader may see."""

    run: ScoringRun
    scores: tuple[FirmScore, ...]
