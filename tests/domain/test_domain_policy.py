"""Policies: shipped values, selection by date, and 新老划断 (old loans keep old rules)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from domain_factories import (
    ACTOR_FOR,
    FULL_EVIDENCE,
    HAPPY_PATH,
    actor,
    at,
    bank,
    firm,
    new_loan,
    submitted_claim,
)
from hypothesis import given
from hypothesis import strategies as st

from riskpool.domain.model.money import cny
from riskpool.domain.model.policies_shipped import SHIPPED_POLICIES, ZKD_1_0, ZKD_2025
from riskpool.domain.model.policy import ClaimTrigger, LoanType, PolicyBook, policy_in_force
from riskpool.errors import ErrorCode, RiskpoolError


def test_shipped_policies_carry_the_documented_figures() -> None:
    assert ZKD_1_0.document_no == "郑政办[2018]97号"
    assert ZKD_1_0.effective_from == date(2018, 10, 1)
    assert ZKD_1_0.ratio_for(LoanType.BANK_DIRECT) == Decimal("0.80")
    assert ZKD_1_0.ratio_for(LoanType.GUARANTEED) == Decimal("0.80")
    assert ZKD_2025.document_no == "郑政办〔2025〕9号"
    assert ZKD_2025.effective_from == date(2025, 2, 6)
    assert ZKD_2025.ratio_for(LoanType.BANK_DIRECT) == Decimal("0.50")
    assert ZKD_2025.ratio_for(LoanType.GUARANTEED) == Decimal("0.20")
    for policy in (ZKD_1_0, ZKD_2025):
        assert policy.per_loan_cap == cny("5000000.00")
        assert policy.trigger == ClaimTrigger(days_overdue_more_than=60, lawsuit_counts=True)
    assert ZKD_2025.per_firm_credit_cap == cny("20000000.00")
    assert ZKD_2025.max_term_months == 36
    assert ZKD_2025.suspension_threshold == Decimal("0.05")
    assert ZKD_2025.management_fee_cap_rate == Decimal("0.01")
    assert ZKD_2025.pool_floor == cny("100000000.00")
    assert ZKD_2025.min_innovation_tier is None


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (date(2018, 10, 1), "ZKD-1.0"),
        (date(2024, 7, 15), "ZKD-1.0"),
        (date(2025, 2, 5), "ZKD-1.0"),
        (date(2025, 2, 6), "ZKD-2025"),
        (date(2030, 1, 1), "ZKD-2025"),
    ],
)
def test_policy_in_force_by_date(day: date, code: str) -> None:
    assert SHIPPED_POLICIES.in_force(day).code == code
    assert policy_in_force(SHIPPED_POLICIES, day).code == code


def test_no_policy_before_the_scheme_began() -> None:
    with pytest.raises(RiskpoolError) as caught:
        SHIPPED_POLICIES.in_force(date(2018, 9, 30))
    assert caught.value.code is ErrorCode.NOT_FOUND


@given(day=st.dates(min_value=date(2018, 10, 1), max_value=date(2100, 1, 1)))
def test_exactly_one_shipped_policy_is_in_force_on_any_day(day: date) -> None:
    assert sum(p.in_force_on(day) for p in SHIPPED_POLICIES) == 1


def test_overlapping_or_duplicate_versions_are_refused() -> None:
    open_ended_1_0 = replace(ZKD_1_0, effective_to=None)
    with pytest.raises(RiskpoolError) as caught:
        PolicyBook([open_ended_1_0, ZKD_2025])
    assert caught.value.code is ErrorCode.VALIDATION
    with pytest.raises(RiskpoolError):
        PolicyBook([ZKD_1_0, replace(ZKD_1_0, effective_from=date(2030, 1, 1), effective_to=None)])
    with pytest.raises(RiskpoolError) as caught:
        policy_in_force([open_ended_1_0, ZKD_2025], date(2025, 3, 1))
    assert caught.value.code is ErrorCode.VALIDATION


def test_by_code() -> None:
    assert SHIPPED_POLICIES.by_code("ZKD-1.0") is ZKD_1_0
    with pytest.raises(RiskpoolError) as caught:
        SHIPPED_POLICIES.by_code("nope")
    assert caught.value.code is ErrorCode.NOT_FOUND


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"compensation_ratios": {LoanType.BANK_DIRECT: Decimal("1.5")}}, None),
        ({"compensation_ratios": {}}, "compensation_ratios"),
        ({"per_loan_cap": cny("0.00")}, "per_loan_cap"),
        ({"effective_to": date(2017, 1, 1)}, "effective_to"),
        ({"max_term_months": 0}, "max_term_months"),
        ({"suspension_threshold": Decimal("0")}, "suspension_threshold"),
        ({"min_innovation_tier": 0}, "min_innovation_tier"),
        ({"code": " "}, "code"),
    ],
)
def test_invalid_policies_are_refused(change: dict[str, object], field: str | None) -> None:
    with pytest.raises(RiskpoolError) as caught:
        replace(ZKD_1_0, **change)  # type: ignore[arg-type]
    assert caught.value.code in (ErrorCode.VALIDATION, ErrorCode.INVALID_AMOUNT)
    if field is not None:
        assert caught.value.field == field


def test_a_policy_that_does_not_cover_a_loan_type_refuses_it() -> None:
    bank_only = replace(ZKD_2025, compensation_ratios={LoanType.BANK_DIRECT: Decimal("0.5")})
    with pytest.raises(RiskpoolError) as caught:
        bank_only.ratio_for(LoanType.GUARANTEED)
    assert caught.value.code is ErrorCode.POLICY_VIOLATION


@pytest.mark.parametrize(
    ("days", "lawsuit", "expected"),
    [
        (60, None, False),
        (61, None, True),
        (0, date(2025, 1, 1), True),
        (0, date(2025, 1, 3), False),
    ],
)
def test_trigger_semantics(days: int, lawsuit: date | None, expected: bool) -> None:
    trigger = ClaimTrigger(days_overdue_more_than=60)
    assert trigger.is_met(days_overdue=days, lawsuit_filed_on=lawsuit, on=date(2025, 1, 2)) is (
        expected
    )
    no_lawsuit = ClaimTrigger(days_overdue_more_than=60, lawsuit_counts=False)
    assert not no_lawsuit.is_met(
        days_overdue=0, lawsuit_filed_on=date(2025, 1, 1), on=date(2025, 1, 2)
    )


def test_old_loans_keep_the_old_rules_after_the_2025_scheme() -> None:
    """新老划断: a loan that entered under 1.0 keeps its 80% when it defaults in 2025."""
    loan = new_loan(granted_on=date(2024, 6, 1), months=24)
    loan.disburse(date(2024, 6, 1), cny("1000000.00"))
    entry_policy = SHIPPED_POLICIES.in_force(date(2024, 6, 1))
    loan.enter_pool(
        entry_policy,
        date(2024, 6, 1),
        firm=firm(),
        lender=bank(),
        firm_exposure_elsewhere=cny("0.00"),
    )
    assert loan.pool_entry is not None and loan.pool_entry.policy_code == "ZKD-1.0"
    loan.mark_overdue(date(2025, 6, 1))
    filing = date(2025, 8, 15)
    assert SHIPPED_POLICIES.in_force(filing) is ZKD_2025  # today's rules differ…
    bound = SHIPPED_POLICIES.by_code(loan.pool_entry.policy_code)
    claim = submitted_claim(loan, policy=bound, on=filing)
    evidence = replace(FULL_EVIDENCE, audited_principal_loss=cny("1000000.00"))
    for step, action in enumerate(HAPPY_PATH, start=1):
        claim.apply(action, actor(ACTOR_FOR[action]), at(filing) + timedelta(hours=step), evidence)
    assert claim.paid_amount == cny("800000.00")  # …but the loan keeps 1.0's 80%


def test_a_new_loan_entering_in_2025_gets_the_new_rules() -> None:
    loan = new_loan(granted_on=date(2025, 2, 6))
    entry = loan.enter_pool(
        SHIPPED_POLICIES.in_force(date(2025, 2, 6)),
        date(2025, 2, 6),
        firm=firm(),
        lender=bank(),
        firm_exposure_elsewhere=cny("0.00"),
    )
    assert entry.policy_code == "ZKD-2025"
