"""Mutations of the innovation points: local indicators, submissions, scoring runs.

Decimal inputs (values, bounds, weights, cuts) are plain decimal strings; a
malformed one is a ``userError`` (VALIDATION) on its field, like every other
refusal. A submission reports *all* its problems at once, one ``userError``
per field.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TypeVar

import strawberry
from strawberry.types import Info

from riskpool.domain.commands import innovation as cmd
from riskpool.domain.model.innovation.submission import Submission, SubmissionRejected
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.errors import UserError
from riskpool.graphql.innovation.types import (
    CatalogueType,
    IndicatorDirection,
    IndicatorUnit,
    ScoringRunType,
    Stage,
    SubmissionType,
)

T = TypeVar("T")

_DECIMAL = re.compile(r"^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})?$")


def parse_decimal(value: str, field: str) -> Decimal:
    """A plain decimal string (no exponent, NaN or infinity); VALIDATION on ``field`` otherwise."""
    if not _DECIMAL.match(value.strip()):
        raise RiskpoolError(
            ErrorCode.VALIDATION, f"{value!r} is not a plain decimal string", field=field
        )
    return Decimal(value.strip())


async def attempt_all(work: Callable[[], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """Like :func:`riskpool.graphql.core.mutations.attempt`, listing every submission problem."""
    try:
        return await work(), []
    except SubmissionRejected as rejected:
        return None, [UserError.of(p) for p in rejected.problems]
    except RiskpoolError as error:
        return None, [UserError.of(error)]


@strawberry.input
class StageWeightInput:
    stage: Stage  # type: ignore[valid-type]
    weight: str


@strawberry.input
class IndicatorValueInput:
    code: str
    value: str | None = strawberry.field(description="Plain decimal string; null = absent.")


@strawberry.type
class CataloguePayload:
    catalogue: CatalogueType | None
    user_errors: list[UserError]


@strawberry.type
class SubmissionPayload:
    submission: SubmissionType | None
    user_errors: list[UserError]


@strawberry.type
class ScoringRunPayload:
    run: ScoringRunType | None
    user_errors: list[UserError]


@strawberry.type
class InnovationMutation:
    @strawberry.mutation(description="Operator: add a local indicator (the N of 20+N).")
    async def define_local_indicator(
        self,
        info: Info[Context, None],
        code: str,
        name: str,
        unit: IndicatorUnit,  # type: ignore[valid-type]
        minimum: str,
        maximum: str,
        weights: list[StageWeightInput],
        direction: IndicatorDirection = IndicatorDirection.HIGHER_IS_BETTER,  # type: ignore[valid-type]
        description: str = "",
    ) -> CataloguePayload:
        actor = info.context.actor()
        app = info.context.app
        result, errors = await attempt_all(
            lambda: app.handle(
                cmd.DefineLocalIndicator(
                    code=code,
                    name=name,
                    unit=unit,
                    minimum=parse_decimal(minimum, "minimum"),
                    maximum=parse_decimal(maximum, "maximum"),
                    weights={
                        w.stage: parse_decimal(w.weight, f"weights.{w.stage}") for w in weights
                    },
                    direction=direction,
                    description=description,
                ),
                actor,
            )
        )
        return CataloguePayload(
            catalogue=CatalogueType.of(result) if result is not None else None,
            user_errors=errors,
        )

    @strawberry.mutation(
        description="Operator, or an institution for a firm it lends to: a firm's values."
    )
    async def submit_innovation_indicators(
        self,
        info: Info[Context, None],
        firm_id: int,
        year: int,
        stage: Stage,  # type: ignore[valid-type]
        values: list[IndicatorValueInput],
        source: str,
    ) -> SubmissionPayload:
        actor = info.context.actor()
        app = info.context.app

        async def work() -> Submission:
            parsed: dict[str, Decimal | None] = {}
            problems: list[RiskpoolError] = []
            for v in values:
                if v.code in parsed:
                    problems.append(
                        RiskpoolError(
                            ErrorCode.VALIDATION, f"{v.code} given twice", field=f"values.{v.code}"
                        )
                    )
                    continue
                try:
                    parsed[v.code] = (
                        None if v.value is None else parse_decimal(v.value, f"values.{v.code}")
                    )
                except RiskpoolError as error:
                    problems.append(error)
            if problems:
                raise SubmissionRejected(tuple(problems))
            command = cmd.SubmitIndicators(
                firm_id=firm_id, year=year, stage=stage, values=parsed, source=source
            )
            return await app.handle(command, actor)

        result, errors = await attempt_all(work)
        return SubmissionPayload(
            submission=SubmissionType.of(result) if result is not None else None,
            user_errors=errors,
        )

    @strawberry.mutation(description="Operator: score a year's latest submissions into tiers.")
    async def run_innovation_scoring(
        self, info: Info[Context, None], year: int, tier_cuts: list[str] | None = None
    ) -> ScoringRunPayload:
        actor = info.context.actor()
        app = info.context.app
        result, errors = await attempt_all(
            lambda: app.handle(
                cmd.RunScoring(
                    year=year,
                    tier_cuts=(
                        None
                        if tier_cuts is None
                        else tuple(parse_decimal(c, "tierCuts") for c in tier_cuts)
                    ),
                ),
                actor,
            )
        )
        return ScoringRunPayload(
            run=ScoringRunType.of(result.run, result.scores) if result is not None else None,
            user_errors=errors,
        )
