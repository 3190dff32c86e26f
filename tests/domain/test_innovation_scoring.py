"""Scoring: min–max within the stage cohort, weighted sum, mid-rank percentiles, tiers.

Reproducible (same inputs, same scores, whatever the order) and explainable
(the contributions add up to the score, each one recomputable by hand).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskpool.domain.model.innovation.catalogue import (
    NATIONAL_CORE,
    Direction,
    IndicatorGroup,
    Stage,
    Unit,
    local_indicator,
)
from riskpool.domain.model.innovation.scoring import (
    normalise,
    percentile_rank,
    score_submissions,
    tier_for,
)
from riskpool.domain.model.innovation.submission import Submission
from riskpool.domain.model.parties import Actor, Role
from riskpool.errors import RiskpoolError

OPERATOR = Actor(Role.OPERATOR, "op")
AT = datetime(2025, 1, 15, 2, tzinfo=UTC)
REQUIRED = [i.code for i in NATIONAL_CORE if i.required]


def submission(
    firm_id: int, level: int, stage: Stage = Stage.GROWTH, **extra: Decimal
) -> Submission:
    values = {code: Decimal(level) for code in REQUIRED}
    values.update(extra)
    return Submission(
        firm_id=firm_id,
        year=2024,
        stage=stage,
        catalogue_version=NATIONAL_CORE.version,
        values=values,
        source="test",
        submitted_by=OPERATOR,
        submitted_at=AT,
    )


def test_five_firms_in_a_cohort_land_in_five_tiers() -> None:
    scores = score_submissions(NATIONAL_CORE, [submission(i, i * 10) for i in range(1, 6)])
    assert [s.tier for s in scores] == [1, 2, 3, 4, 5]
    assert [s.percentile for s in scores] == [Decimal(p) for p in ("10", "30", "50", "70", "90")]
    # Best on every required indicator; auxiliary all equal (neutral one half).
    auxiliary_points = sum(
        100 * i.weight(Stage.GROWTH) / 100 / 2
        for i in NATIONAL_CORE
        if i.group is IndicatorGroup.AUXILIARY
    )
    assert scores[-1].score == 85 + auxiliary_points
    assert scores[0].score == auxiliary_points


def test_the_contributions_explain_the_score_exactly() -> None:
    cohort = [
        submission(1, 5, RD_EXPENSE=Decimal("100.00"), PCT_APPLICATIONS=Decimal(1)),
        submission(2, 9, RD_EXPENSE=Decimal("400.00")),
        submission(3, 7, RD_EXPENSE=Decimal("300.00"), GRADUATES_HIRED=Decimal(4)),
    ]
    for score in score_submissions(NATIONAL_CORE, cohort):
        assert sum(c.points for c in score.contributions) == score.score
        assert [c.code for c in score.contributions] == [i.code for i in NATIONAL_CORE]
        for c in score.contributions:
            expected = (Decimal(100) * c.weight * c.normalised / c.total_weight).quantize(
                Decimal("0.0001")
            )
            assert c.points == expected
    third = score_submissions(NATIONAL_CORE, cohort)[2]
    rd = third.contribution("RD_EXPENSE")
    assert (rd.value, rd.cohort_min, rd.cohort_max) == (Decimal(300), Decimal(100), Decimal(400))
    assert rd.normalised == Decimal("0.666667")
    assert rd.weight_share == Decimal("0.07")
    assert rd.points == Decimal("4.6667")
    absent = score_submissions(NATIONAL_CORE, cohort)[1].contribution("GRADUATES_HIRED")
    assert absent.value == 0 and absent.normalised == 0


def test_cohorts_are_per_stage() -> None:
    scores = score_submissions(
        NATIONAL_CORE,
        [submission(1, 1, Stage.STARTUP), submission(2, 1000, Stage.MATURE)],
    )
    assert {(s.stage, s.cohort_size, s.tier) for s in scores} == {
        (Stage.STARTUP, 1, 3),
        (Stage.MATURE, 1, 3),
    }
    assert all(s.score == 50 for s in scores)  # alone: every indicator neutral


def test_ties_share_percentile_and_tier() -> None:
    scores = score_submissions(
        NATIONAL_CORE, [submission(1, 1), submission(2, 5), submission(3, 5), submission(4, 9)]
    )
    assert [s.percentile for s in scores] == [
        Decimal("12.50"),
        Decimal(50),
        Decimal(50),
        Decimal("87.50"),
    ]
    assert [s.tier for s in scores] == [1, 3, 3, 5]


def test_custom_bands() -> None:
    scores = score_submissions(
        NATIONAL_CORE, [submission(i, i) for i in range(1, 5)], tier_cuts=[Decimal(50)]
    )
    assert [s.tier for s in scores] == [1, 1, 2, 2]
    with pytest.raises(RiskpoolError):
        score_submissions(NATIONAL_CORE, [submission(1, 1)], tier_cuts=[Decimal(60), Decimal(40)])


def test_lower_is_better_local_indicator_and_weight_rescaling() -> None:
    arrears = local_indicator(
        code="L_ARREARS",
        name="欠税天数",
        unit=Unit.COUNT,
        minimum=Decimal(0),
        maximum=Decimal(3650),
        weights={s: Decimal(25) for s in Stage},
        direction=Direction.LOWER_IS_BETTER,
    )
    catalogue = NATIONAL_CORE.with_local([arrears])
    scores = score_submissions(
        catalogue,
        [
            submission(1, 5, L_ARREARS=Decimal(0)),
            submission(2, 5, L_ARREARS=Decimal(30)),
        ],
    )
    assert scores[0].contribution("L_ARREARS").normalised == 1
    assert scores[1].contribution("L_ARREARS").normalised == 0
    assert scores[0].contribution("L_ARREARS").points == 20  # 25 of 125 points
    assert scores[0].catalogue_version == "NAT-2024+L1"
    # An older submission (without the local value) still scores, the value counting as 0.
    assert normalise(arrears, Decimal(0), Decimal(0), Decimal(0)) == Decimal("0.5")


def test_refuses_two_submissions_of_one_firm_or_two_years() -> None:
    with pytest.raises(RiskpoolError):
        score_submissions(NATIONAL_CORE, [submission(1, 1), submission(1, 2)])
    other_year = replace(submission(2, 1), year=2023)
    with pytest.raises(RiskpoolError):
        score_submissions(NATIONAL_CORE, [submission(1, 1), other_year])


def test_percentile_and_tier_helpers() -> None:
    assert percentile_rank(Decimal(5), [Decimal(5)]) == 50
    assert tier_for(Decimal(20), [Decimal(20), Decimal(40)]) == 2
    assert tier_for(Decimal("19.99"), [Decimal(20), Decimal(40)]) == 1


levels = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(levels, st.randoms(use_true_random=False))
def test_same_inputs_same_scores_in_any_order(values: list[int], rnd: object) -> None:
    cohort = [
        submission(i + 1, v, Stage.STARTUP if i % 2 else Stage.MATURE, RD_EXPENSE=Decimal(v * 3))
        for i, v in enumerate(values)
    ]
    first = score_submissions(NATIONAL_CORE, cohort)
    shuffled = list(cohort)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert score_submissions(NATIONAL_CORE, shuffled) == first
    for score in first:
        assert 0 <= score.score <= 100
        assert 1 <= score.tier <= 5
        assert sum(c.points for c in score.contributions) == score.score
        assert all(0 <= c.normalised <= 1 for c in score.contributions)


@settings(max_examples=60, deadline=None)
@given(levels)
def test_a_better_firm_never_gets_a_lower_tier(values: list[int]) -> None:
    scores = score_submissions(NATIONAL_CORE, [submission(i + 1, v) for i, v in enumerate(values)])
    by_level = sorted(zip(values, scores, strict=True), key=lambda pair: pair[0])
    tiers = [s.tier for _, s in by_level]
    assert tiers == sorted(tiers)


def test_the_worked_example_of_the_docs() -> None:
    """docs/innovation.md, section 3: three GROWTH firms, firm C indicator by indicator."""
    from riskpool.domain.model.innovation.submission import validate_submission

    rows = {
        "RD_EXPENSE": ("3000000.00", "8000000.00", "5000000.00"),
        "RD_EXPENSE_GROWTH": ("25.00", "40.00", "-5.00"),
        "RD_INTENSITY": ("6.00", "10.00", "8.00"),
        "TECH_STAFF_SHARE": ("35.00", "55.00", "40.00"),
        "INVENTION_PATENT_APPLICATIONS": ("4", "12", "6"),
        "PCT_APPLICATIONS": ("0", "2", "1"),
        "TECH_CONTRACT_TURNOVER": ("500000.00", "2000000.00", "0.00"),
        "HIGH_TECH_PRODUCT_REVENUE": ("30000000.00", "70000000.00", "45000000.00"),
        "REVENUE": ("50000000.00", "80000000.00", "62500000.00"),
        "REVENUE_GROWTH": ("12.00", "30.00", "-3.00"),
        "POSTGRADUATE_SHARE": ("8.00", "20.00", "12.00"),
        "RD_SUPER_DEDUCTION": ("3000000.00", "8000000.00", "5000000.00"),
        "RETURN_ON_NET_ASSETS": ("9.00", "15.00", "4.00"),
        "GRADUATES_HIRED": ("6", "15", "3"),
        "PROVINCIAL_PLATFORMS": (None, "1", None),
    }
    cohort = [
        validate_submission(
            NATIONAL_CORE,
            firm_id=firm,
            year=2024,
            stage=Stage.GROWTH,
            values={k: Decimal(v[firm - 1]) for k, v in rows.items() if v[firm - 1] is not None},
            source="企业自报",
            submitted_by=OPERATOR,
            submitted_at=AT,
        )
        for firm in (1, 2, 3)
    ]
    a, b, c = score_submissions(NATIONAL_CORE, cohort)
    assert (a.score, a.percentile, a.tier) == (Decimal("17.7349"), Decimal("16.67"), 1)
    assert (b.score, b.percentile, b.tier) == (Decimal("95.5000"), Decimal("83.33"), 5)
    assert (c.score, c.percentile, c.tier) == (Decimal("26.8667"), Decimal("50.00"), 3)
    assert c.contribution("REVENUE").normalised == Decimal("0.416667")
    assert c.contribution("REVENUE").points == Decimal("2.5000")
    assert c.contribution("PROVINCIAL_AWARDS").points == Decimal("1.5000")
