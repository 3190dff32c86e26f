"""Early warnings, pure: each kind fires exactly at its limit and carries its figures."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from domain_factories import money, pool_loan
from hypothesis import given
from hypothesis import strategies as st

from riskpool.domain.model.innovation.warnings import (
    ConcentrationDimension,
    Exposure,
    InstitutionRate,
    WarningKind,
    WarningLimits,
    concentrations,
    institutions_near_suspension,
    loans_near_trigger,
    pool_below_floor,
)
from riskpool.domain.model.policies_shipped import SHIPPED_POLICIES
from riskpool.domain.model.policy import LoanType
from riskpool.errors import RiskpoolError

LIMITS = WarningLimits()
ON = date(2025, 8, 1)


def overdue(days: int, **kwargs: object) -> object:
    return pool_loan(overdue_since=ON - timedelta(days=days), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("days", "warned"), [(29, False), (30, True), (45, True), (60, True), (61, False)]
)
def test_loans_from_30_days_overdue_until_the_trigger(days: int, warned: bool) -> None:
    found = loans_near_trigger([overdue(days)], SHIPPED_POLICIES, ON, LIMITS)  # type: ignore[list-item]
    assert bool(found) is warned
    if warned:
        w = found[0]
        assert w.kind is WarningKind.LOAN_NEAR_TRIGGER
        assert (w.days_overdue, w.trigger_days, w.days_to_trigger) == (days, 60, 61 - days)
        assert w.outstanding == money("1000000.00")
        assert w.institution_id == w.lender_id


def test_sued_claimed_or_guaranteed_loans() -> None:
    sued = overdue(40, lawsuit_on=ON - timedelta(days=1))
    assert loans_near_trigger([sued], SHIPPED_POLICIES, ON, LIMITS) == []  # type: ignore[list-item]
    claimed = overdue(40)
    assert (
        loans_near_trigger([claimed], SHIPPED_POLICIES, ON, LIMITS, claimed_loan_ids={100})  # type: ignore[list-item]
        == []
    )
    guaranteed = overdue(40, loan_type=LoanType.GUARANTEED)
    (w,) = loans_near_trigger([guaranteed], SHIPPED_POLICIES, ON, LIMITS)  # type: ignore[list-item]
    assert w.institution_id != w.lender_id  # the guarantor bears the loss
    custom = loans_near_trigger(
        [overdue(20)],
        SHIPPED_POLICIES,
        ON,
        WarningLimits(overdue_days=15),  # type: ignore[list-item]
    )
    assert len(custom) == 1


def rate(bad: str, base: str, active: bool = True, ident: int = 1) -> InstitutionRate:
    return InstitutionRate(ident, f"机构{ident}", money(bad), money(base), active)


def test_institutions_within_the_margin_or_above() -> None:
    threshold = Decimal("0.05")
    rates = [
        rate("3.99", "100.00", ident=1),  # 3.99%: outside the 1-point margin
        rate("4.00", "100.00", ident=2),  # 4%: at the margin
        rate("5.00", "100.00", ident=3),  # at the threshold, not above
        rate("9.00", "100.00", ident=4),  # breached, not yet assessed
        rate("9.00", "100.00", active=False, ident=5),  # already suspended
        rate("0.00", "0.00", ident=6),  # nothing in the pool
    ]
    found = institutions_near_suspension(rates, threshold, LIMITS)
    assert [w.institution_id for w in found] == [4, 3, 2]
    assert [w.breached for w in found] == [True, False, False]
    assert found[2].headroom == Decimal("0.01")
    assert found[0].bad == money("9.00") and found[0].base == money("100.00")


def test_pool_below_floor_carries_the_top_up() -> None:
    warning = pool_below_floor(
        book="CITY_POOL",
        cash=money("70000000.00"),
        compensation_payable=money("2000000.00"),
        floor=money("100000000.00"),
        limits=LIMITS,
    )
    assert warning is not None
    assert warning.projected == money("68000000.00")
    assert warning.top_up_needed == money("32000000.00")
    assert (
        pool_below_floor(
            book="CITY_POOL",
            cash=money("100000000.00"),
            compensation_payable=money("0.00"),
            floor=money("100000000.00"),
            limits=LIMITS,
        )
        is None
    )
    near = pool_below_floor(
        book="CITY_POOL",
        cash=money("100500000.00"),
        compensation_payable=money("0.00"),
        floor=money("100000000.00"),
        limits=replace(LIMITS, floor_margin=money("1000000.00")),
    )
    assert near is not None and near.top_up_needed == money("0.00")


def test_concentration_above_the_limit_only() -> None:
    exposures = [
        Exposure("1", "郑州银行", money("30.00")),
        Exposure("2", "乙", money("20.00")),
        Exposure("3", "丙", money("50.00")),
    ]
    found = concentrations(ConcentrationDimension.INSTITUTION, exposures, Decimal("0.30"))
    assert [(w.key, w.share) for w in found] == [("3", Decimal("0.5"))]
    assert found[0].total == money("100.00")
    assert found[0].institution_id == 3
    assert concentrations(ConcentrationDimension.SECTOR, [], Decimal("0.1")) == []


def test_limits_are_checked() -> None:
    with pytest.raises(RiskpoolError):
        WarningLimits(overdue_days=0)
    with pytest.raises(RiskpoolError):
        WarningLimits(sector_share_limit=Decimal("1.5"))


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=20))
def test_shares_of_warned_groups_exceed_the_limit_and_never_all_of_them_at_half(
    amounts: list[int],
) -> None:
    exposures = [Exposure(str(i), str(i), money(f"{a}.00")) for i, a in enumerate(amounts)]
    found = concentrations(ConcentrationDimension.SECTOR, exposures, Decimal("0.5"))
    assert len(found) <= 1
    assert all(w.share > Decimal("0.5") for w in found)
