"""The loss rate of an institution and the suspension it triggers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain_factories import (
    BANK_ID,
    GUARANTOR_ID,
    actor,
    bank,
    claim_in_state,
    defaulted_loan,
    new_loan,
    pool_loan,
)

from riskpool.domain.model.claim import ClaimState, compensated_principal_by_loan
from riskpool.domain.model.loan import Loan
from riskpool.domain.model.money import cny
from riskpool.domain.model.parties import Role
from riskpool.domain.model.policies_shipped import ZKD_2025
from riskpool.domain.model.policy import LoanType
from riskpool.domain.model.suspension import apply_assessment, assess, loss_rate

ON = date(2025, 9, 1)


def test_rate_counts_triggered_outstanding_over_outstanding() -> None:
    good = pool_loan(credit="9000000.00", disbursed="9000000.00")
    good.id = 1
    bad = pool_loan(credit="1000000.00", disbursed="1000000.00", overdue_since=date(2025, 6, 1))
    bad.id = 2
    rate = loss_rate(BANK_ID, [good, bad], {}, ZKD_2025, ON)
    assert (rate.bad, rate.base, rate.loans_counted) == (cny("1000000.00"), cny("10000000.00"), 2)
    assert rate.rate == Decimal("0.1")


def test_overdue_within_the_trigger_is_not_yet_bad() -> None:
    loan = pool_loan(overdue_since=date(2025, 7, 15))  # 48 days on 2025-09-01
    assert loss_rate(BANK_ID, [loan], {}, ZKD_2025, ON).rate == 0


def test_compensated_loans_count_with_their_compensated_principal_once() -> None:
    loan = defaulted_loan()
    claim = claim_in_state(ClaimState.PAID, loan, loss="800000.00")
    compensated = compensated_principal_by_loan([claim])
    assert compensated == {loan.id: cny("800000.00")}
    other = pool_loan(credit="7200000.00", disbursed="7200000.00")
    other.id = 2
    rate = loss_rate(BANK_ID, [loan, other], compensated, ZKD_2025, ON)
    assert (rate.bad, rate.base) == (cny("800000.00"), cny("8000000.00"))


def test_only_the_loss_bearers_pool_loans_count() -> None:
    guaranteed = pool_loan(LoanType.GUARANTEED, overdue_since=date(2025, 6, 1))
    assert loss_rate(BANK_ID, [guaranteed], {}, ZKD_2025, ON).loans_counted == 0
    assert loss_rate(GUARANTOR_ID, [guaranteed], {}, ZKD_2025, ON).rate == 1
    outside = new_loan()
    outside.disburse(outside.granted_on, cny("5.00"))
    assert loss_rate(BANK_ID, [outside], {}, ZKD_2025, ON).loans_counted == 0
    assert loss_rate(BANK_ID, [], {}, ZKD_2025, ON).rate == 0


def test_above_the_threshold_suspends_with_a_reason_and_at_it_does_not() -> None:
    def loans_with_bad_share(bad: str, good: str) -> list[Loan]:
        a = pool_loan(credit=bad, disbursed=bad, overdue_since=date(2025, 6, 1))
        b = pool_loan(credit=good, disbursed=good)
        a.id, b.id = 1, 2
        return [a, b]

    institution = bank()
    at_threshold = assess(
        institution, loans_with_bad_share("500000.00", "9500000.00"), {}, ZKD_2025, ON
    )
    assert at_threshold.loss_rate.rate == Decimal("0.05") and not at_threshold.breached
    assert apply_assessment(institution, at_threshold) is None and institution.is_active

    above = assess(institution, loans_with_bad_share("500000.01", "9499999.99"), {}, ZKD_2025, ON)
    assert above.breached
    change = apply_assessment(institution, above)
    assert change is not None and not institution.is_active
    assert "5.00%" in change.reason and change.on == ON and change.by is None
    assert apply_assessment(institution, above) is None, "already suspended: nothing new"

    healthy = assess(institution, loans_with_bad_share("1.00", "9999999.00"), {}, ZKD_2025, ON)
    assert apply_assessment(institution, healthy) is None
    assert not institution.is_active, "a better rate never reinstates by itself"
    institution.reinstate(date(2025, 10, 1), actor(Role.SCIENCE_BUREAU), "整改完成，恢复合作")
    assert institution.is_active
