"""Loans: credit line, disbursements, repayments, prepayments and pool admission."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from domain_factories import (
    BANK_ID,
    FIRM_ID,
    GRANTED,
    GUARANTOR_ID,
    bank,
    firm,
    guarantor,
    new_loan,
)

from riskpool.domain.model.loan import Loan, RepaymentKind, firm_pool_exposure
from riskpool.domain.model.money import cny
from riskpool.domain.model.parties import Firm, Institution
from riskpool.domain.model.policies_shipped import ZKD_1_0, ZKD_2025
from riskpool.domain.model.policy import LoanType, Policy
from riskpool.errors import ErrorCode, RiskpoolError


def expect(code: ErrorCode, field: str | None = None) -> pytest.RaisesExc[RiskpoolError]:
    return pytest.raises(
        RiskpoolError, check=lambda e: e.code is code and (field is None or e.field == field)
    )


# -- structure -----------------------------------------------------------------------------------


def test_a_guaranteed_loan_needs_a_guarantor_and_a_bank_direct_one_has_none() -> None:
    def build(loan_type: LoanType, guarantor_id: int | None) -> Loan:
        return Loan(
            lender_id=BANK_ID,
            firm_id=FIRM_ID,
            loan_type=loan_type,
            guarantor_id=guarantor_id,
            credit_line=cny("1.00"),
            granted_on=GRANTED,
            maturity=date(2026, 3, 1),
        )

    with expect(ErrorCode.VALIDATION, "guarantor_id"):
        build(LoanType.GUARANTEED, None)
    with expect(ErrorCode.VALIDATION, "guarantor_id"):
        build(LoanType.BANK_DIRECT, GUARANTOR_ID)


def test_grant_checks_the_kinds_of_the_parties() -> None:
    def grant(lender: Institution, the_guarantor: Institution | None) -> Loan:
        return Loan.grant(
            lender=lender,
            guarantor=the_guarantor,
            firm=firm(),
            loan_type=LoanType.GUARANTEED if the_guarantor else LoanType.BANK_DIRECT,
            credit_line=cny("1000000.00"),
            granted_on=GRANTED,
            maturity=date(2026, 3, 1),
        )

    loan = grant(bank(), guarantor())
    assert (loan.lender_id, loan.guarantor_id) == (BANK_ID, GUARANTOR_ID)
    assert loan.claimant_id == GUARANTOR_ID
    assert grant(bank(), None).claimant_id == BANK_ID
    with expect(ErrorCode.VALIDATION, "lender_id"):
        grant(guarantor(), None)
    with expect(ErrorCode.VALIDATION, "guarantor_id"):
        grant(bank(), bank(3))


def test_disbursements_may_not_exceed_the_credit_line() -> None:
    loan = new_loan(credit="1000000.00")
    loan.disburse(GRANTED, cny("600000.00"))
    loan.disburse(date(2025, 4, 1), cny("400000.00"))
    assert loan.disbursed() == cny("1000000.00")
    with expect(ErrorCode.VALIDATION, "amount"):
        loan.disburse(date(2025, 4, 2), cny("0.01"))
    assert len(loan.disbursements) == 2


def test_repayments_may_not_exceed_the_outstanding_principal() -> None:
    loan = new_loan()
    loan.disburse(GRANTED, cny("500000.00"))
    loan.repay(date(2025, 5, 1), cny("200000.00"))
    assert loan.outstanding() == cny("300000.00")
    assert loan.outstanding(date(2025, 4, 30)) == cny("500000.00")
    with expect(ErrorCode.VALIDATION, "amount"):
        loan.repay(date(2025, 5, 2), cny("300000.01"))
    loan.repay(date(2025, 5, 2), cny("300000.00"), RepaymentKind.RECOVERY)
    assert loan.outstanding() == cny("0.00")
    assert loan.recovered() == cny("300000.00")


@pytest.mark.parametrize("amount", ["0.00", "-5.00"])
def test_non_positive_amounts_are_invalid(amount: str) -> None:
    loan = new_loan()
    with expect(ErrorCode.INVALID_AMOUNT):
        loan.disburse(GRANTED, cny(amount))


def test_movements_are_kept_in_date_order_and_not_before_the_grant() -> None:
    loan = new_loan()
    with expect(ErrorCode.VALIDATION, "on"):
        loan.disburse(date(2025, 2, 28), cny("1.00"))
    loan.disburse(date(2025, 4, 1), cny("1.00"))
    with expect(ErrorCode.VALIDATION, "on"):
        loan.repay(date(2025, 3, 31), cny("1.00"))
    with expect(ErrorCode.VALIDATION, "on"):
        loan.disburse(date(2026, 3, 2), cny("1.00"))  # after maturity


def test_rehydration_replays_history_through_the_guards() -> None:
    loan = new_loan()
    loan.disburse(GRANTED, cny("100.00"))
    loan.repay(date(2025, 4, 1), cny("40.00"))
    copy = Loan(
        lender_id=loan.lender_id,
        firm_id=loan.firm_id,
        loan_type=loan.loan_type,
        credit_line=loan.credit_line,
        granted_on=loan.granted_on,
        maturity=loan.maturity,
        disbursements=loan.disbursements,
        repayments=loan.repayments,
    )
    assert copy.outstanding() == cny("60.00")
    with expect(ErrorCode.VALIDATION):
        Loan(
            lender_id=1,
            firm_id=1,
            loan_type=LoanType.BANK_DIRECT,
            credit_line=cny("10.00"),
            granted_on=GRANTED,
            maturity=date(2026, 1, 1),
            disbursements=loan.disbursements,
        )


def test_days_overdue() -> None:
    loan = new_loan()
    loan.disburse(GRANTED, cny("1.00"))
    assert loan.days_overdue(date(2025, 9, 1)) == 0
    loan.mark_overdue(date(2025, 6, 1))
    assert loan.days_overdue(date(2025, 5, 31)) == 0
    assert loan.days_overdue(date(2025, 6, 2)) == 1
    assert loan.days_overdue(date(2025, 7, 31)) == 60
    assert loan.days_overdue(date(2025, 8, 1)) == 61
    with expect(ErrorCode.VALIDATION):
        loan.mark_overdue(date(2025, 7, 1))
    loan.mark_current()
    assert loan.days_overdue(date(2025, 8, 1)) == 0


def test_prepayments_are_for_guaranteed_loans_by_their_guarantor_up_to_outstanding() -> None:
    direct = new_loan()
    direct.disburse(GRANTED, cny("100.00"))
    with expect(ErrorCode.VALIDATION, "loan_type"):
        direct.record_prepayment(date(2025, 6, 1), cny("1.00"), GUARANTOR_ID)
    loan = new_loan(LoanType.GUARANTEED)
    loan.disburse(GRANTED, cny("100.00"))
    with expect(ErrorCode.VALIDATION, "guarantor_id"):
        loan.record_prepayment(date(2025, 6, 1), cny("1.00"), BANK_ID)
    loan.record_prepayment(date(2025, 6, 1), cny("60.00"), GUARANTOR_ID)
    with expect(ErrorCode.VALIDATION, "amount"):
        loan.record_prepayment(date(2025, 6, 2), cny("40.01"), GUARANTOR_ID)
    loan.record_prepayment(date(2025, 6, 2), cny("40.00"), GUARANTOR_ID)
    assert loan.prepaid() == cny("100.00")
    assert loan.outstanding() == cny("100.00"), "prepayment does not repay the borrower's debt"


# -- pool admission ------------------------------------------------------------------------------


def admit(
    loan: Loan,
    policy: Policy = ZKD_2025,
    *,
    on: date = GRANTED,
    the_firm: Firm | None = None,
    lender: Institution | None = None,
    the_guarantor: Institution | None = None,
    elsewhere: str = "0.00",
) -> None:
    if the_guarantor is None and loan.loan_type is LoanType.GUARANTEED:
        the_guarantor = guarantor()
    loan.enter_pool(
        policy,
        on,
        firm=the_firm or firm(),
        lender=lender or bank(),
        guarantor=the_guarantor,
        firm_exposure_elsewhere=cny(elsewhere),
    )


def test_admission_binds_the_policy_in_force() -> None:
    loan = new_loan()
    admit(loan)
    assert loan.pool_entry is not None
    assert (loan.pool_entry.on, loan.pool_entry.policy_code) == (GRANTED, "ZKD-2025")
    with expect(ErrorCode.VALIDATION, "pool_entry"):
        admit(loan)


def test_admission_under_a_policy_not_in_force_is_refused() -> None:
    with expect(ErrorCode.POLICY_VIOLATION, "policy"):
        admit(new_loan(), ZKD_1_0)


def test_per_firm_credit_cap_counts_all_lenders_and_this_loan() -> None:
    admit(new_loan(credit="5000000.00"), elsewhere="15000000.00")  # exactly 20,000,000.00
    with expect(ErrorCode.POLICY_VIOLATION, "credit_line"):
        admit(new_loan(credit="5000000.00"), elsewhere="15000000.01")


def test_term_at_most_36_months() -> None:
    admit(new_loan(months=36))
    with expect(ErrorCode.POLICY_VIOLATION, "maturity"):
        loan = new_loan(months=36)
        loan.maturity = date(2028, 3, 2)
        admit(loan)


def test_suspended_lender_or_guarantor_cannot_bring_loans() -> None:
    lender = bank()
    lender.suspend("损失率超标", date(2025, 1, 1))
    with expect(ErrorCode.INSTITUTION_SUSPENDED, "lender_id"):
        admit(new_loan(), lender=lender)
    the_guarantor = guarantor()
    the_guarantor.suspend("损失率超标", date(2025, 1, 1))
    with expect(ErrorCode.INSTITUTION_SUSPENDED, "guarantor_id"):
        admit(new_loan(LoanType.GUARANTEED), the_guarantor=the_guarantor)


def test_overdue_or_sued_loans_cannot_enter() -> None:
    loan = new_loan()
    loan.disburse(GRANTED, cny("1.00"))
    loan.mark_overdue(GRANTED)
    with expect(ErrorCode.POLICY_VIOLATION, "overdue_since"):
        admit(loan, on=date(2025, 3, 5))
    loan = new_loan()
    loan.record_lawsuit(GRANTED)
    with expect(ErrorCode.POLICY_VIOLATION, "lawsuit_filed_on"):
        admit(loan)


def test_minimum_innovation_tier_and_sector_when_the_policy_sets_them() -> None:
    strict = replace(
        ZKD_2025, min_innovation_tier=3, eligible_sectors=frozenset({"软件和信息技术服务业"})
    )
    admit(new_loan(), strict, the_firm=firm(tier=3))
    with expect(ErrorCode.POLICY_VIOLATION, "firm.innovation_tier"):
        admit(new_loan(), strict, the_firm=firm(tier=2))
    with expect(ErrorCode.POLICY_VIOLATION, "firm.innovation_tier"):
        admit(new_loan(), strict, the_firm=firm(tier=None))
    with expect(ErrorCode.POLICY_VIOLATION, "firm.sector"):
        admit(new_loan(), strict, the_firm=firm(sector="房地产业"))
    admit(new_loan(), ZKD_2025, the_firm=firm(tier=None))  # default: no tier needed


def test_a_policy_without_a_ratio_for_the_loan_type_refuses_it() -> None:
    bank_only = replace(ZKD_2025, compensation_ratios={LoanType.BANK_DIRECT: Decimal("0.5")})
    with expect(ErrorCode.POLICY_VIOLATION, "loan_type"):
        admit(new_loan(LoanType.GUARANTEED), bank_only)


def test_admission_checks_the_parties_are_the_loans() -> None:
    with expect(ErrorCode.VALIDATION, "firm"):
        admit(new_loan(), the_firm=firm(99))
    with expect(ErrorCode.VALIDATION, "lender"):
        admit(new_loan(), lender=bank(3))
    with expect(ErrorCode.VALIDATION, "on"):
        admit(new_loan(), on=date(2025, 2, 28))


def test_firm_pool_exposure_sums_other_pool_loans_of_the_firm() -> None:
    a, b, c = new_loan(credit="3000000.00"), new_loan(credit="2000000.00"), new_loan(credit="1.00")
    admit(a)
    admit(b)
    assert firm_pool_exposure([a, b, c], FIRM_ID) == cny("5000000.00")
    assert firm_pool_exposure([a, b, c], FIRM_ID, excluding=a) == cny("2000000.00")
    assert firm_pool_exposure([a, b], 12345) == cny("0.00")


def test_rehydration_accepts_a_recovery_after_the_guarantors_prepayment() -> None:
    """Guarantor prepays the whole loan, then a recovery reduces the principal: the stored
    history must load again although Σ prepaid now exceeds what is outstanding."""
    loan = new_loan(LoanType.GUARANTEED)
    loan.disburse(GRANTED, cny("1000000.00"))
    loan.record_prepayment(date(2025, 8, 1), cny("1000000.00"), GUARANTOR_ID)
    loan.repay(date(2025, 10, 1), cny("300000.00"), RepaymentKind.RECOVERY)
    with expect(ErrorCode.VALIDATION, "on"):
        loan.record_prepayment(date(2025, 9, 1), cny("1.00"), GUARANTOR_ID)  # out of order
    copy = Loan(
        lender_id=BANK_ID,
        guarantor_id=GUARANTOR_ID,
        firm_id=FIRM_ID,
        loan_type=LoanType.GUARANTEED,
        credit_line=loan.credit_line,
        granted_on=loan.granted_on,
        maturity=loan.maturity,
        disbursements=loan.disbursements,
        repayments=loan.repayments,
        prepayments=loan.prepayments,
    )
    assert copy.outstanding() == cny("700000.00")
    assert copy.prepaid() == cny("1000000.00")
    assert copy.recovered() == cny("300000.00")
