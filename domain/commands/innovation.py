"""Commands of the innovation points: local indicators, submissions, scoring runs.

No command carries a time: a record is dated by the server's clock (history
is dated through the bus's operator-only import path).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from riskpool.domain.commands import Command
from riskpool.domain.model.innovation.catalogue import Catalogue, Direction, Stage, Unit
from riskpool.domain.model.innovation.runs import ScoredRun
from riskpool.domain.model.innovation.submission import Submission


@dataclass(frozen=True, slots=True)
class DefineLocalIndicator(Command[Catalogue]):
    """Add a local indicator (the "N" of "20+N"); the result is the new catalogue version."""

    operation: ClassVar[str] = "innovation.define"
    code: str
    name: str
    unit: Unit
    minimum: Decimal
    maximum: Decimal
    weights: Mapping[Stage, Decimal]
    direction: Direction = Direction.HIGHER_IS_BETTER
    description: str = ""
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class SubmitIndicators(Command[Submission]):
    """A firm's values for ``year``, validated against the current catalogue."""

    operation: ClassVar[str] = "innovation.submit"
    firm_id: int
    year: int
    stage: Stage | str
    values: Mapping[str, Decimal | None]
    source: str
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class RunScoring(Command[ScoredRun]):
    """Score every firm's latest submission for ``year`` with the current catalogue."""

    operation: ClassVar[str] = "innovation.score"
    year: int
    tier_cuts: tuple[Decimal, ...] | None = field(default=None)
    idempotency_key: str | None = None
