"""Filing a claim: trigger, prepayment, suspension, double compensation and who may claim."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from domain_factories import (
    ACTOR_FOR,
    BANK_ID,
    FILING_DAY,
    FULL_EVIDENCE,
    GUARANTOR_ID,
    HAPPY_PATH,
    OTHER_BANK_ID,
    actor,
    at,
    bank,
    claim_in_state,
    defaulted_loan,
    guarantor,
    new_loan,
    pool_loan,
    submitted_claim,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from riskpool.domain.model.claim import Claim, ClaimAction, ClaimState, Evidence
from riskpool.domain.model.loan import Loan
from riskpool.domain.model.money import cny, money_sum
from riskpool.domain.model.parties import Actor, Institution, Role
from riskpool.domain.model.policies_shipped import ZKD_1_0, ZKD_2025
from riskpool.domain.model.policy import LoanType, Policy
from riskpool.errors import ErrorCode, RiskpoolError


def submit(
    loan: Loan,
    *,
    claimant: Institution | None = None,
    by: Actor | None = None,
    on: date = FILING_DAY,
    claimed: str = "1000000.00",
    prior: tuple[Claim, ...] = (),
    evidence: Evidence | None = None,
    policy: Policy = ZKD_2025,
) -> Claim:
    if claimant is None:
        claimant = guarantor() if loan.loan_type is LoanType.GUARANTEED else bank()
    return Claim.submit(
        loan=loan,
        claimant=claimant,
        policy=policy,
        actor=by or actor(Role.INSTITUTION, claimant.id),
        at=at(on),
        claimed_principal=cny(claimed),
        evidence=evidence or Evidence(documents="申请资料"),
        prior_claims=prior,
    )


def refused(code: ErrorCode, **kwargs: object) -> RiskpoolError:
    loan = kwargs.pop("loan", None) or defaulted_loan()
    with pytest.raises(RiskpoolError) as caught:
        submit(loan, **kwargs)  # type: ignore[arg-type]
    assert caught.value.code is code, caught.value
    return caught.value


# -- trigger ------------------------------------------------------------------------------------


def test_trigger_is_strictly_more_than_sixty_days_overdue() -> None:
    overdue_since = date(2025, 6, 1)
    loan = pool_loan(overdue_since=overdue_since)
    assert loan.days_overdue(overdue_since + timedelta(days=60)) == 60
    refused(ErrorCode.TRIGGER_NOT_MET, loan=loan, on=overdue_since + timedelta(days=60))
    claim = submit(loan, on=overdue_since + timedelta(days=61))
    assert claim.state is ClaimState.SUBMITTED


def test_a_lawsuit_triggers_on_its_own_from_the_day_it_is_filed() -> None:
    loan = pool_loan(lawsuit_on=date(2025, 7, 1))
    refused(ErrorCode.TRIGGER_NOT_MET, loan=loan, on=date(2025, 6, 30))
    assert submit(loan, on=date(2025, 7, 1)).state is ClaimState.SUBMITTED


def test_a_current_loan_cannot_be_claimed() -> None:
    err = refused(ErrorCode.TRIGGER_NOT_MET, loan=pool_loan())
    assert err.field == "loan"


def test_the_submission_date_is_read_in_beijing_time() -> None:
    """Day 61 starts at midnight Beijing time, i.e. 16:00 UTC the day before."""
    loan = pool_loan(overdue_since=date(2025, 6, 1))  # day 61 is 2025-08-01

    def file_at(moment: datetime) -> Claim:
        return Claim.submit(
            loan=loan,
            claimant=bank(),
            policy=ZKD_2025,
            actor=actor(Role.INSTITUTION),
            at=moment,
            claimed_principal=cny("1.00"),
            evidence=Evidence(documents="x"),
            prior_claims=(),
        )

    with pytest.raises(RiskpoolError) as caught:
        file_at(datetime(2025, 7, 31, 15, 59, tzinfo=UTC))  # 23:59 on day 60 in Beijing
    assert caught.value.code is ErrorCode.TRIGGER_NOT_MET
    moment = datetime(2025, 7, 31, 16, 0, tzinfo=UTC)  # 00:00 on day 61 in Beijing
    assert file_at(moment).submitted_at == moment


# -- prepayment (guaranteed loans) ---------------------------------------------------------------


def test_guaranteed_claim_needs_prepayment_covering_the_claim() -> None:
    loan = pool_loan(LoanType.GUARANTEED, overdue_since=date(2025, 6, 1))
    refused(ErrorCode.PREPAYMENT_REQUIRED, loan=loan)
    loan.record_prepayment(date(2025, 8, 1), cny("600000.00"), GUARANTOR_ID)
    refused(ErrorCode.PREPAYMENT_REQUIRED, loan=loan, claimed="600000.01")
    assert submit(loan, claimed="600000.00").claimant_id == GUARANTOR_ID


def test_prepayment_after_the_filing_date_does_not_count() -> None:
    loan = pool_loan(LoanType.GUARANTEED, overdue_since=date(2025, 6, 1))
    loan.record_prepayment(date(2025, 9, 1), cny("1000000.00"), GUARANTOR_ID)
    refused(ErrorCode.PREPAYMENT_REQUIRED, loan=loan, on=date(2025, 8, 15))


def test_bank_direct_claims_need_no_prepayment() -> None:
    assert submit(defaulted_loan()).claimant_id == BANK_ID


# -- who may claim -------------------------------------------------------------------------------


def test_the_bank_cannot_claim_a_guaranteed_loan_the_guarantor_bears() -> None:
    loan = defaulted_loan(LoanType.GUARANTEED)
    err = refused(ErrorCode.FORBIDDEN, loan=loan, claimant=bank())
    assert err.field == "claimant"


def test_the_guarantor_cannot_claim_a_bank_direct_loan() -> None:
    refused(ErrorCode.FORBIDDEN, claimant=guarantor())


def test_an_institution_user_of_another_institution_is_forbidden() -> None:
    refused(ErrorCode.FORBIDDEN, by=actor(Role.INSTITUTION, OTHER_BANK_ID))


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.INSTITUTION])
def test_only_institution_users_may_file(role: Role) -> None:
    refused(ErrorCode.FORBIDDEN, by=actor(role))


def test_a_suspended_claimant_is_refused() -> None:
    claimant = bank()
    claimant.suspend("损失率超过阈值", date(2025, 8, 1))
    refused(ErrorCode.INSTITUTION_SUSPENDED, claimant=claimant)


def test_a_loan_outside_the_pool_cannot_be_claimed() -> None:
    loan = new_loan()
    loan.disburse(loan.granted_on, cny("1000000.00"))
    loan.mark_overdue(date(2025, 6, 1))
    err = refused(ErrorCode.POLICY_VIOLATION, loan=loan)
    assert err.field == "loan.pool_entry"


def test_claims_use_the_policy_the_loan_entered_under() -> None:
    err = refused(ErrorCode.VALIDATION, policy=ZKD_1_0)
    assert err.field == "policy"


def test_missing_claim_documents() -> None:
    err = refused(ErrorCode.MISSING_EVIDENCE, evidence=Evidence(documents=" "))
    assert err.field == "evidence.documents"


# -- never twice ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [s for s in ClaimState if s not in (ClaimState.REJECTED, ClaimState.WITHDRAWN)],
)
def test_a_paid_or_open_claim_blocks_a_new_one(state: ClaimState) -> None:
    loan = defaulted_loan()
    prior = claim_in_state(state, loan)
    err = refused(ErrorCode.ALREADY_COMPENSATED, loan=loan, prior=(prior,))
    assert err.field == "loan"


@pytest.mark.parametrize("state", [ClaimState.REJECTED, ClaimState.WITHDRAWN])
def test_a_rejected_or_withdrawn_claim_does_not_block_a_new_one(state: ClaimState) -> None:
    loan = defaulted_loan()
    prior = claim_in_state(state, loan)
    assert submit(loan, prior=(prior,)).state is ClaimState.SUBMITTED


def test_claiming_more_than_the_outstanding_principal_is_refused() -> None:
    loan = defaulted_loan()
    loan.repay(date(2025, 7, 1), cny("300000.00"))
    err = refused(ErrorCode.ALREADY_COMPENSATED, loan=loan, claimed="700000.01")
    assert err.field == "claimed_principal"
    assert submit(loan, claimed="700000.00").claimed_principal == cny("700000.00")


def test_prior_claims_of_another_loan_are_a_caller_bug() -> None:
    other = claim_in_state(ClaimState.REJECTED)
    other.loan_id = 999
    refused(ErrorCode.VALIDATION, prior=(other,))


OPS = st.lists(
    st.sampled_from(["submit", "reject", "withdraw", "pay", "repay"]), min_size=1, max_size=25
)


@settings(max_examples=150, deadline=None)
@given(ops=OPS, loss_fen=st.integers(min_value=1, max_value=100_000_000))
def test_a_loans_principal_is_never_compensated_twice(ops: list[str], loss_fen: int) -> None:
    """Whatever the sequence of filings, rejections, withdrawals and payments, at most one
    claim per loan is ever paid, and what is paid is one policy compensation."""
    loan = defaulted_loan()
    claims: list[Claim] = []
    moment = at(FILING_DAY)
    loss = cny(Decimal(loss_fen) / 100)
    evidence = replace(FULL_EVIDENCE, audited_principal_loss=loss)
    for op in ops:
        moment += timedelta(hours=1)
        current = claims[-1] if claims else None
        try:
            if op == "submit":
                claim = submit(
                    loan,
                    claimed=str(loan.outstanding().amount),
                    prior=tuple(claims),
                    on=moment.date(),
                )
                claim.id = len(claims) + 1
                claims.append(claim)
            elif op == "repay" and loan.outstanding().amount > 1:
                loan.repay(moment.date(), cny("1.00"))
            elif current is None:
                continue
            elif op == "reject":
                current.commission_audit(actor(Role.OPERATOR), moment)
                current.reject(actor(Role.AUDITOR), moment, "不合规")
            elif op == "withdraw":
                current.withdraw(actor(Role.INSTITUTION, current.claimant_id), moment)
            elif op == "pay":
                for action in HAPPY_PATH:
                    current.apply(action, actor(ACTOR_FOR[action]), moment, evidence)
        except RiskpoolError as err:
            assert err.code in {
                ErrorCode.ALREADY_COMPENSATED,
                ErrorCode.INVALID_TRANSITION,
                ErrorCode.VALIDATION,  # audited loss above a (shrunken) claimed principal
                ErrorCode.INVALID_AMOUNT,
            }, err
    paid = [c for c in claims if c.state is ClaimState.PAID]
    assert len(paid) <= 1
    open_claims = [c for c in claims if c.state.is_open]
    assert len(open_claims) + len(paid) <= 1
    total_paid = money_sum(c.paid_amount for c in paid if c.paid_amount is not None)
    assert total_paid <= cny("5000000.00")
    assert total_paid.amount <= loss.amount * ZKD_2025.ratio_for(LoanType.BANK_DIRECT)


def test_claimant_id_is_the_guarantor_for_guaranteed_loans() -> None:
    claim = submitted_claim(defaulted_loan(LoanType.GUARANTEED))
    assert claim.claimant_id == GUARANTOR_ID
    assert claim.loan_type is LoanType.GUARANTEED
    assert claim.trail[0].action is ClaimAction.SUBMIT
