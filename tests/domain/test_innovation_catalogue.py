"""The innovation-points catalogue: the national core of 18, stage weights, local indicators."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from riskpool.domain.model.innovation.catalogue import (
    NATIONAL_CORE,
    Direction,
    IndicatorGroup,
    Stage,
    Unit,
    core_catalogue,
    local_indicator,
)
from riskpool.domain.model.innovation.submission import SubmissionRejected, validate_submission
from riskpool.domain.model.parties import Actor, Role
from riskpool.errors import ErrorCode, RiskpoolError

OPERATOR = Actor(Role.OPERATOR, "op")
AT = datetime(2025, 1, 15, 2, tzinfo=UTC)


def full_values(**overrides: Decimal | None) -> dict[str, Decimal | None]:
    values: dict[str, Decimal | None] = {
        i.code: Decimal(1) for i in NATIONAL_CORE if i.group is not IndicatorGroup.AUXILIARY
    }
    values.update(overrides)
    return values


def test_the_core_has_18_indicators_in_three_groups_of_7_6_5() -> None:
    groups = Counter(i.group for i in NATIONAL_CORE)
    assert len(NATIONAL_CORE) == 18
    assert groups == {
        IndicatorGroup.TECHNOLOGY: 7,
        IndicatorGroup.GROWTH: 6,
        IndicatorGroup.AUXILIARY: 5,
    }
    for code in ("RD_EXPENSE", "RD_INTENSITY", "PCT_APPLICATIONS", "RD_SUPER_DEDUCTION"):
        assert code in NATIONAL_CORE


@pytest.mark.parametrize("stage", list(Stage))
def test_each_stage_weighs_100_points_over_the_core(stage: Stage) -> None:
    assert NATIONAL_CORE.total_weight(stage) == 100


def test_stage_weights_differ_start_ups_reward_rates_mature_firms_scale() -> None:
    growth = NATIONAL_CORE.by_code("REVENUE_GROWTH")
    revenue = NATIONAL_CORE.by_code("REVENUE")
    assert growth.weight(Stage.STARTUP) > growth.weight(Stage.MATURE)
    assert revenue.weight(Stage.MATURE) > revenue.weight(Stage.STARTUP)


def test_technology_and_growth_are_required_auxiliary_optional() -> None:
    for indicator in NATIONAL_CORE:
        assert indicator.required is (indicator.group is not IndicatorGroup.AUXILIARY)


def test_adding_local_indicators_makes_new_versions() -> None:
    tax = local_indicator(
        code="L_TAX_PAID",
        name="纳税总额",
        unit=Unit.YUAN,
        minimum=Decimal(0),
        maximum=Decimal("1000000000.00"),
        weights={s: Decimal(3) for s in Stage},
    )
    one = NATIONAL_CORE.with_local([tax])
    assert one.version == "NAT-2024+L1" and len(one) == 19
    arrears = local_indicator(
        code="L_TAX_ARREARS_DAYS",
        name="欠税天数",
        unit=Unit.COUNT,
        minimum=Decimal(0),
        maximum=Decimal(3650),
        weights={Stage.MATURE: Decimal(2)},
        direction=Direction.LOWER_IS_BETTER,
    )
    two = one.with_local([arrears])
    assert two.version == "NAT-2024+L2"
    assert two.total_weight(Stage.MATURE) == 105
    assert two.total_weight(Stage.STARTUP) == 103
    assert NATIONAL_CORE.version == "NAT-2024" and len(NATIONAL_CORE) == 18  # immutable
    assert core_catalogue(two.version) is NATIONAL_CORE
    with pytest.raises(RiskpoolError) as duplicate:
        two.with_local([tax])
    assert duplicate.value.code is ErrorCode.DUPLICATE


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"code": "TAX"}, "code"),
        ({"code": "L_lower"}, "code"),
        ({"minimum": Decimal(5), "maximum": Decimal(5)}, "range"),
        ({"weights": {Stage.STARTUP: Decimal(-1)}}, "weights.STARTUP"),
    ],
)
def test_local_indicator_definitions_are_checked(kwargs: dict[str, object], field: str) -> None:
    base: dict[str, object] = {
        "code": "L_X",
        "name": "x",
        "unit": Unit.COUNT,
        "minimum": Decimal(0),
        "maximum": Decimal(10),
        "weights": {Stage.STARTUP: Decimal(1)},
    }
    base.update(kwargs)
    with pytest.raises(RiskpoolError) as refused:
        local_indicator(**base)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_a_valid_submission_keeps_source_submitter_and_canonical_values() -> None:
    submission = validate_submission(
        NATIONAL_CORE,
        firm_id=7,
        year=2024,
        stage="GROWTH",
        values=full_values(REVENUE=Decimal("1000.5"), GRADUATES_HIRED=None),
        source=" 企业自报 ",
        submitted_by=OPERATOR,
        submitted_at=AT,
    )
    assert submission.stage is Stage.GROWTH
    assert submission.source == "企业自报"
    assert submission.submitted_by == OPERATOR
    assert submission.values["REVENUE"] == Decimal("1000.50")
    assert str(submission.values["REVENUE"]) == "1000.50"
    assert "GRADUATES_HIRED" not in submission.values
    assert submission.value(NATIONAL_CORE.by_code("GRADUATES_HIRED")) == 0
    assert submission.catalogue_version == "NAT-2024"


def test_every_problem_is_reported_at_once() -> None:
    values = full_values(
        REVENUE=None,  # required, missing
        TECH_STAFF_SHARE=Decimal("100.01"),  # above 100%
        REVENUE_GROWTH=Decimal("-100.5"),  # below -100%
        PCT_APPLICATIONS=Decimal("1.5"),  # a count with decimals
        RD_EXPENSE=Decimal("10.001"),  # more than fen
        RD_INTENSITY=Decimal("NaN"),
        UNKNOWN_CODE=Decimal(1),
    )
    with pytest.raises(SubmissionRejected) as rejected:
        validate_submission(
            NATIONAL_CORE,
            firm_id=1,
            year=1999,
            stage="GIANT",
            values=values,
            source=" ",
            submitted_by=OPERATOR,
            submitted_at=datetime(2025, 1, 1),  # noqa: DTZ001 - naive on purpose
        )
    fields = {p.field for p in rejected.value.problems}
    assert fields == {
        "year",
        "stage",
        "source",
        "submittedAt",
        "values.UNKNOWN_CODE",
        "values.REVENUE",
        "values.TECH_STAFF_SHARE",
        "values.REVENUE_GROWTH",
        "values.PCT_APPLICATIONS",
        "values.RD_EXPENSE",
        "values.RD_INTENSITY",
    }
    assert all(p.code is ErrorCode.VALIDATION for p in rejected.value.problems)
    assert rejected.value.code is ErrorCode.VALIDATION


def test_counts_given_as_whole_decimals_are_accepted() -> None:
    submission = validate_submission(
        NATIONAL_CORE,
        firm_id=1,
        year=2024,
        stage=Stage.STARTUP,
        values=full_values(PCT_APPLICATIONS=Decimal("3.00")),
        source="s",
        submitted_by=OPERATOR,
        submitted_at=AT,
    )
    assert submission.values["PCT_APPLICATIONS"] == 3
