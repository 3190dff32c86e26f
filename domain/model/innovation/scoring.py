"""Scoring: normalise within the stage cohort, weight, sum, and place in percentile tiers.

The method (docs/innovation.md works an example through it):

1. **Cohort.** Firms are compared only with firms of the same growth stage in
   the same year, scored with the same catalogue version: a start-up's 300%
   revenue growth and a mature firm's 8% mean different things.
2. **Normalisation (min–max within the cohort).** For indicator *i* with
   cohort minimum ``lo`` and maximum ``hi``::

       n_i = (x − lo) / (hi − lo)          higher is better
       n_i = (hi − x) / (hi − lo)          lower is better
       n_i = 1/2                           when hi = lo (the indicator cannot
                                           tell the cohort apart: neutral)

   rounded half-even to 6 decimals. An absent optional value counts as 0.
3. **Weighted sum.** ``share_i = w_i(stage) / Σ_j w_j(stage)`` (the catalogue's
   points for the stage, so local indicators scale the core down), and the
   indicator's contribution is ``points_i = 100 × share_i × n_i`` rounded
   half-even to 4 decimals. The score is ``Σ points_i`` — exactly the sum of
   the contributions shown, so the explanation always adds up. Scores lie in
   [0, 100].
4. **Percentile.** ``p = 100 × (below + equal / 2) / n`` where ``below`` firms
   of the cohort scored strictly less and ``equal`` scored the same (itself
   included) — the mid-rank percentile, so ties share a percentile and a
   tier; rounded half-even to 2 decimals.
5. **Tier.** ``tier = 1 + #{cut ≤ p}`` for the percentile cut points (default
   20/40/60/80: five tiers, 1 lowest); configurable per scoring run.

Why min–max and mid-rank: both are explainable to a firm with one line of
arithmetic, use only the cohort's own data, and are invariant to the order in
which firms are listed. Everything is ``Decimal`` (never float) with fixed
rounding, so the same submissions and catalogue always give the same scores.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from riskpool.domain.model.innovation.catalogue import (
    Catalogue,
    Direction,
    Indicator,
    Stage,
    core_catalogue,
    validate_tier_cuts,
)
from riskpool.domain.model.innovation.submission import Submission
from riskpool.errors import ErrorCode, RiskpoolError

NORMALISED_PLACES = Decimal("0.000001")
POINTS_PLACES = Decimal("0.0001")
PERCENTILE_PLACES = Decimal("0.01")
NEUTRAL = Decimal("0.5")
_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Contribution:
    """How one indicator contributed to one firm's score (the explanation).

    ``value`` the firm's value (0 if an optional one was absent); ``cohort_min``
    / ``cohort_max`` the cohort's range; ``normalised`` in [0, 1];
    ``weight_share`` the indicator's share of the stage's weights (unrounded
    Decimal of ``weight / total_weight``); ``points`` = 100 × share × normalised.
    """

    code: str
    value: Decimal
    cohort_min: Decimal
    cohort_max: Decimal
    normalised: Decimal
    weight: Decimal
    total_weight: Decimal
    points: Decimal

    @property
    def weight_share(self) -> Decimal:
        return self.weight / self.total_weight


@dataclass(frozen=True, slots=True)
class FirmScore:
    """One firm's score in its cohort: score, percentile, tier and every contribution."""

    firm_id: int
    year: int
    stage: Stage
    catalogue_version: str
    score: Decimal
    percentile: Decimal
    tier: int
    cohort_size: int
    contributions: tuple[Contribution, ...]
    submission_id: int | None = None

    def contribution(self, code: str) -> Contribution:
        for contribution in self.contributions:
            if contribution.code == code:
                return contribution
        raise KeyError(code)


def normalise(indicator: Indicator, value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    """Step 2 of the method: ``value`` mapped onto [0, 1] within ``[low, high]``."""
    if high == low:
        return NEUTRAL
    if indicator.direction is Direction.HIGHER_IS_BETTER:
        ratio = (value - low) / (high - low)
    else:
        ratio = (high - value) / (high - low)
    return ratio.quantize(NORMALISED_PLACES, rounding=ROUND_HALF_EVEN)


def percentile_rank(score: Decimal, cohort: Iterable[Decimal]) -> Decimal:
    """Step 4: the mid-rank percentile of ``score`` among ``cohort`` (which includes it)."""
    scores = list(cohort)
    below = sum(1 for s in scores if s < score)
    equal = sum(1 for s in scores if s == score)
    if equal == 0:
        raise RiskpoolError(ErrorCode.VALIDATION, "the score is not in its cohort")
    value = _HUNDRED * (Decimal(below) + Decimal(equal) / 2) / Decimal(len(scores))
    return value.quantize(PERCENTILE_PLACES, rounding=ROUND_HALF_EVEN)


def tier_for(percentile: Decimal, cuts: Iterable[Decimal]) -> int:
    """Step 5: ``1 + #{cut ≤ percentile}``."""
    return 1 + sum(1 for cut in validate_tier_cuts(cuts) if cut <= percentile)


def _check(catalogue: Catalogue, submissions: list[Submission]) -> None:
    seen: set[int] = set()
    base = core_catalogue(catalogue.version).version
    years = {s.year for s in submissions}
    if len(years) > 1:
        raise RiskpoolError(
            ErrorCode.VALIDATION, f"one year per scoring run, got {sorted(years)}", field="year"
        )
    for submission in submissions:
        if submission.firm_id in seen:
            raise RiskpoolError(
                ErrorCode.DUPLICATE,
                f"firm {submission.firm_id} has two submissions in the run",
                field="submissions",
            )
        seen.add(submission.firm_id)
        if core_catalogue(submission.catalogue_version).version != base:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"submission of firm {submission.firm_id} was checked against "
                f"{submission.catalogue_version}, not the {base} core",
                field="catalogueVersion",
            )
        for code in submission.values:
            if code not in catalogue:
                raise RiskpoolError(
                    ErrorCode.VALIDATION,
                    f"{code} of firm {submission.firm_id} is not in {catalogue.version}",
                    field="catalogueVersion",
                )


def _score_stage(
    catalogue: Catalogue, stage: Stage, cohort: list[Submission], cuts: tuple[Decimal, ...]
) -> list[FirmScore]:
    total = catalogue.total_weight(stage)
    ranges: dict[str, tuple[Decimal, Decimal]] = {}
    for indicator in catalogue:
        values = [s.value(indicator) for s in cohort]
        ranges[indicator.code] = (min(values), max(values))
    partial: list[tuple[Submission, Decimal, tuple[Contribution, ...]]] = []
    for submission in cohort:
        parts: list[Contribution] = []
        for indicator in catalogue:
            low, high = ranges[indicator.code]
            value = submission.value(indicator)
            normalised = normalise(indicator, value, low, high)
            weight = indicator.weight(stage)
            points = (_HUNDRED * weight * normalised / total).quantize(
                POINTS_PLACES, rounding=ROUND_HALF_EVEN
            )
            parts.append(
                Contribution(
                    code=indicator.code,
                    value=value,
                    cohort_min=low,
                    cohort_max=high,
                    normalised=normalised,
                    weight=weight,
                    total_weight=total,
                    points=points,
                )
            )
        score = sum((c.points for c in parts), Decimal("0.0000"))
        partial.append((submission, score, tuple(parts)))
    scores = [score for _, score, _ in partial]
    result = []
    for submission, score, contributions in partial:
        percentile = percentile_rank(score, scores)
        result.append(
            FirmScore(
                firm_id=submission.firm_id,
                year=submission.year,
                stage=stage,
                catalogue_version=catalogue.version,
                score=score,
                percentile=percentile,
                tier=tier_for(percentile, cuts),
                cohort_size=len(cohort),
                contributions=contributions,
                submission_id=submission.id,
            )
        )
    return result


def score_submissions(
    catalogue: Catalogue,
    submissions: Iterable[Submission],
    *,
    tier_cuts: Iterable[Decimal] | None = None,
) -> tuple[FirmScore, ...]:
    """Score one year's submissions (one per firm) with ``catalogue``, cohort by stage.

    Deterministic: the result depends only on the set of submissions, the
    catalogue and the cuts — not on their order — and is ordered by stage,
    then firm id. ``tier_cuts`` defaults to the catalogue's.
    """
    listed = sorted(submissions, key=lambda s: s.firm_id)
    _check(catalogue, listed)
    cuts = validate_tier_cuts(catalogue.tier_cuts if tier_cuts is None else tier_cuts)
    result: list[FirmScore] = []
    with localcontext() as context:
        context.prec = 34
        for stage in Stage:
            cohort = [s for s in listed if s.stage is stage]
            if cohort:
                result.extend(_score_stage(catalogue, stage, cohort, cuts))
    return tuple(result)
