"""The claim state machine: the rulebook, enumerated exhaustively, and each guard."""

from __future__ import annotations

import itertools
from dataclasses import fields, replace
from datetime import date, timedelta

import pytest
from domain_factories import (
    ACTOR_FOR,
    BANK_ID,
    FILING_DAY,
    FIRM_ID,
    FULL_EVIDENCE,
    HAPPY_PATH,
    OTHER_BANK_ID,
    actor,
    at,
    bank,
    claim_in_state,
    defaulted_loan,
    firm,
    submitted_claim,
)

from riskpool.domain.model.claim import (
    EVIDENCE_FIELDS,
    TERMINAL_STATES,
    TRANSITIONS,
    Claim,
    ClaimAction,
    ClaimState,
    Concurrence,
    Evidence,
    find_rule,
)
from riskpool.domain.model.loan import Loan
from riskpool.domain.model.money import cny
from riskpool.domain.model.parties import Role
from riskpool.domain.model.policies_shipped import ZKD_1_0
from riskpool.domain.model.policy import LoanType
from riskpool.errors import ErrorCode, RiskpoolError

S, A, R = ClaimState, ClaimAction, Role

# The rulebook written out by hand, independently of TRANSITIONS:
# (action, from-state) -> (to-state, roles allowed at that stage).
EXPECTED_MOVES: dict[tuple[ClaimAction, ClaimState], tuple[ClaimState, set[Role]]] = {
    (A.COMMISSION_AUDIT, S.SUBMITTED): (S.AUDIT_COMMISSIONED, {R.OPERATOR}),
    (A.RECORD_AUDIT, S.AUDIT_COMMISSIONED): (S.AUDITED, {R.AUDITOR}),
    (A.REVIEW, S.AUDITED): (S.REVIEWED, {R.SCIENCE_BUREAU}),
    (A.APPROVE, S.REVIEWED): (S.APPROVED, {R.CITY_GOVERNMENT}),
    (A.PAY, S.APPROVED): (S.PAID, {R.OPERATOR}),
    (A.REJECT, S.AUDIT_COMMISSIONED): (S.REJECTED, {R.AUDITOR}),
    (A.REJECT, S.AUDITED): (S.REJECTED, {R.SCIENCE_BUREAU, R.FINANCE_BUREAU}),
    (A.REJECT, S.REVIEWED): (S.REJECTED, {R.CITY_GOVERNMENT}),
    (A.WITHDRAW, S.SUBMITTED): (S.WITHDRAWN, {R.INSTITUTION}),
    (A.WITHDRAW, S.AUDIT_COMMISSIONED): (S.WITHDRAWN, {R.INSTITUTION}),
    (A.WITHDRAW, S.AUDITED): (S.WITHDRAWN, {R.INSTITUTION}),
    (A.WITHDRAW, S.REVIEWED): (S.WITHDRAWN, {R.INSTITUTION}),
}
ROLES_OF_ACTION: dict[ClaimAction, set[Role]] = {
    A.SUBMIT: {R.INSTITUTION},
    A.COMMISSION_AUDIT: {R.OPERATOR},
    A.RECORD_AUDIT: {R.AUDITOR},
    A.REVIEW: {R.SCIENCE_BUREAU},
    A.APPROVE: {R.CITY_GOVERNMENT},
    A.PAY: {R.OPERATOR},
    A.REJECT: {R.AUDITOR, R.SCIENCE_BUREAU, R.FINANCE_BUREAU, R.CITY_GOVERNMENT},
    A.WITHDRAW: {R.INSTITUTION},
}


def expected_outcome(state: ClaimState, action: ClaimAction, role: Role) -> ClaimState | ErrorCode:
    if role not in ROLES_OF_ACTION[action]:
        return ErrorCode.FORBIDDEN
    move = EXPECTED_MOVES.get((action, state))
    if move is None:
        return ErrorCode.INVALID_TRANSITION
    target, roles = move
    return target if role in roles else ErrorCode.FORBIDDEN


CASES = list(itertools.product(ClaimState, ClaimAction, Role))


@pytest.mark.parametrize(("state", "action", "role"), CASES, ids=lambda v: str(v))
def test_every_state_action_role_is_allowed_or_refused_with_its_exact_code(
    state: ClaimState, action: ClaimAction, role: Role
) -> None:
    claim = claim_in_state(state)
    before = claim.trail
    moment = claim.trail[-1].at + timedelta(hours=1)
    expected = expected_outcome(state, action, role)
    if isinstance(expected, ErrorCode):
        with pytest.raises(RiskpoolError) as caught:
            claim.apply(action, actor(role), moment, FULL_EVIDENCE, reason="理由")
        assert caught.value.code is expected
        assert claim.trail == before, "a refusal changes nothing"
    else:
        event = claim.apply(action, actor(role), moment, FULL_EVIDENCE, reason="理由")
        assert claim.state is expected
        assert (event.source, event.target, event.action) == (state, expected, action)
        assert claim.trail == (*before, event)


def test_the_case_list_covers_every_combination() -> None:
    assert len(CASES) == len(ClaimState) * len(ClaimAction) * len(Role) == 8 * 8 * 7


def test_transition_table_matches_the_hand_written_rulebook() -> None:
    table = {(r.action, r.source): (r.target, set(r.roles)) for r in TRANSITIONS if r.source}
    assert table == EXPECTED_MOVES
    submit = find_rule(A.SUBMIT, None)
    assert submit is not None and submit.target is S.SUBMITTED and submit.roles == {R.INSTITUTION}


def test_terminal_states_have_no_way_out_and_every_state_is_reachable() -> None:
    assert {r.source for r in TRANSITIONS} & TERMINAL_STATES == set()
    reachable = {S.SUBMITTED}
    frontier = [S.SUBMITTED]
    while frontier:
        state = frontier.pop()
        for rule in TRANSITIONS:
            if rule.source is state and rule.target not in reachable:
                reachable.add(rule.target)
                frontier.append(rule.target)
    assert reachable == set(ClaimState)


def test_required_evidence_names_are_fields_of_evidence() -> None:
    for rule in TRANSITIONS:
        assert rule.evidence <= EVIDENCE_FIELDS
    assert {f.name for f in fields(Evidence)} == EVIDENCE_FIELDS


def test_rejections_require_a_reason_and_withdrawal_is_claimant_only() -> None:
    for rule in TRANSITIONS:
        assert rule.requires_reason == (rule.action is A.REJECT)
        assert rule.claimant_only == (rule.action in (A.SUBMIT, A.WITHDRAW))


EVIDENCE_CASES = [
    (r.action, r.source, name) for r in TRANSITIONS if r.source for name in sorted(r.evidence)
]


@pytest.mark.parametrize(("action", "source", "missing"), EVIDENCE_CASES, ids=str)
def test_each_missing_piece_of_evidence_is_refused(
    action: ClaimAction, source: ClaimState, missing: str
) -> None:
    claim = claim_in_state(source)
    rule = find_rule(action, source)
    assert rule is not None
    role = next(iter(rule.roles))
    for blank in (None, "  "):
        if blank == "  " and missing in ("audited_principal_loss", "finance_concurrence"):
            continue
        evidence = replace(FULL_EVIDENCE, **{missing: blank})
        with pytest.raises(RiskpoolError) as caught:
            claim.apply(action, actor(role), at(FILING_DAY, 20), evidence, reason="理由")
        assert caught.value.code is ErrorCode.MISSING_EVIDENCE
        assert caught.value.field == f"evidence.{missing}"
    assert claim.state is source


@pytest.mark.parametrize("state", [S.AUDIT_COMMISSIONED, S.AUDITED, S.REVIEWED])
def test_reject_without_a_reason_is_missing_evidence(state: ClaimState) -> None:
    claim = claim_in_state(state)
    rule = find_rule(A.REJECT, state)
    assert rule is not None
    for reason in (None, "", "   "):
        with pytest.raises(RiskpoolError) as caught:
            claim.apply(A.REJECT, actor(next(iter(rule.roles))), at(FILING_DAY, 20), None, reason)
        assert caught.value.code is ErrorCode.MISSING_EVIDENCE
        assert caught.value.field == "reason"


def test_reject_records_its_reason_in_the_trail() -> None:
    claim = claim_in_state(S.REVIEWED)
    event = claim.reject(actor(R.CITY_GOVERNMENT), at(FILING_DAY, 20), "  资料不全  ")
    assert claim.state is S.REJECTED
    assert event.reason == "资料不全"
    assert event.actor.role is R.CITY_GOVERNMENT


@pytest.mark.parametrize("state", [S.SUBMITTED, S.AUDIT_COMMISSIONED, S.AUDITED, S.REVIEWED])
def test_only_the_claimant_institution_may_withdraw(state: ClaimState) -> None:
    claim = claim_in_state(state)
    with pytest.raises(RiskpoolError) as caught:
        claim.withdraw(actor(R.INSTITUTION, OTHER_BANK_ID), at(FILING_DAY, 20))
    assert caught.value.code is ErrorCode.FORBIDDEN
    claim.withdraw(actor(R.INSTITUTION, BANK_ID), at(FILING_DAY, 20))
    assert claim.state is S.WITHDRAWN


def test_review_needs_the_finance_bureau_concurrence() -> None:
    claim = claim_in_state(S.AUDITED)
    wrong = Concurrence(actor=actor(R.SCIENCE_BUREAU), reference="自己签")
    with pytest.raises(RiskpoolError) as caught:
        claim.review(
            actor(R.SCIENCE_BUREAU),
            at(FILING_DAY, 20),
            replace(FULL_EVIDENCE, finance_concurrence=wrong),
        )
    assert caught.value.code is ErrorCode.FORBIDDEN
    event = claim.review(actor(R.SCIENCE_BUREAU), at(FILING_DAY, 20), FULL_EVIDENCE)
    assert event.evidence.finance_concurrence is not None
    assert event.evidence.finance_concurrence.actor.role is R.FINANCE_BUREAU


def test_a_trail_record_cannot_predate_the_previous_one_nor_be_naive() -> None:
    claim = claim_in_state(S.SUBMITTED)
    with pytest.raises(RiskpoolError) as caught:
        claim.commission_audit(actor(R.OPERATOR), claim.trail[-1].at - timedelta(seconds=1))
    assert caught.value.code is ErrorCode.VALIDATION
    with pytest.raises(RiskpoolError) as caught:
        claim.commission_audit(actor(R.OPERATOR), claim.trail[-1].at.replace(tzinfo=None))
    assert caught.value.code is ErrorCode.VALIDATION
    assert claim.state is S.SUBMITTED


def test_happy_path_trail_is_complete_and_amounts_are_computed() -> None:
    claim = claim_in_state(S.PAID, loss="800000.00")
    assert [e.target for e in claim.trail] == [
        S.SUBMITTED,
        S.AUDIT_COMMISSIONED,
        S.AUDITED,
        S.REVIEWED,
        S.APPROVED,
        S.PAID,
    ]
    assert [e.seq for e in claim.trail] == [1, 2, 3, 4, 5, 6]
    assert [e.actor.role for e in claim.trail] == [
        R.INSTITUTION,
        R.OPERATOR,
        R.AUDITOR,
        R.SCIENCE_BUREAU,
        R.CITY_GOVERNMENT,
        R.OPERATOR,
    ]
    assert claim.trail[0].amount == cny("1000000.00")  # claimed principal
    assert claim.audited_principal_loss == cny("800000.00")
    assert claim.compensation == cny("400000.00")  # 50% bank direct under 2025
    assert claim.paid_amount == claim.compensation


def test_audited_loss_above_the_claimed_principal_is_refused() -> None:
    claim = claim_in_state(S.AUDIT_COMMISSIONED)
    evidence = replace(FULL_EVIDENCE, audited_principal_loss=cny("1000000.01"))
    with pytest.raises(RiskpoolError) as caught:
        claim.record_audit(actor(R.AUDITOR), at(FILING_DAY, 20), evidence)
    assert caught.value.code is ErrorCode.VALIDATION
    evidence = replace(FULL_EVIDENCE, audited_principal_loss=cny("0.00"))
    with pytest.raises(RiskpoolError) as caught:
        claim.record_audit(actor(R.AUDITOR), at(FILING_DAY, 20), evidence)
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


def test_guaranteed_claim_pays_the_guarantee_company_twenty_percent() -> None:
    claim = claim_in_state(S.PAID, defaulted_loan(LoanType.GUARANTEED), loss="1000000.00")
    assert claim.claimant_id == 2
    assert claim.paid_amount == cny("200000.00")


def test_seed_first_payout_of_2319300_for_two_zkd_1_0_loans() -> None:
    """2024-07: 郑州银行 receives 231.93万 for 2 loans at 1.0's 80% of the principal loss."""
    total = cny("0.00")
    for loan_id, loss in ((201, "1500000.00"), (202, "1399125.00")):
        loan = Loan(
            id=loan_id,
            lender_id=BANK_ID,
            firm_id=FIRM_ID,
            loan_type=LoanType.BANK_DIRECT,
            credit_line=cny(loss),
            granted_on=date(2022, 3, 1),
            maturity=date(2024, 12, 1),
        )
        loan.disburse(date(2022, 3, 1), cny(loss))
        loan.enter_pool(
            ZKD_1_0, date(2022, 3, 1), firm=firm(), lender=bank(), firm_exposure_elsewhere=cny("0")
        )
        loan.mark_overdue(date(2023, 12, 1))
        claim = submitted_claim(loan, claimed=loss, policy=ZKD_1_0, on=date(2024, 5, 6))
        evidence = replace(FULL_EVIDENCE, audited_principal_loss=cny(loss))
        for step, action in enumerate(HAPPY_PATH, start=1):
            moment = at(date(2024, 5, 6)) + timedelta(days=10 * step)
            claim.apply(action, actor(ACTOR_FOR[action]), moment, evidence)
        assert claim.paid_amount is not None
        total = total + claim.paid_amount
    assert total == cny("2319300.00")


@pytest.mark.parametrize("state", list(ClaimState))
def test_a_claim_rehydrated_from_its_trail_is_the_same_claim(state: ClaimState) -> None:
    claim = claim_in_state(state)
    copy = Claim(
        id=claim.id,
        loan_id=claim.loan_id,
        claimant_id=claim.claimant_id,
        loan_type=claim.loan_type,
        policy=claim.policy,
        claimed_principal=claim.claimed_principal,
        trail=claim.trail,
    )
    assert copy.state is state
    assert (copy.compensation, copy.paid_amount) == (claim.compensation, claim.paid_amount)
    with pytest.raises(RiskpoolError):
        Claim(
            loan_id=claim.loan_id,
            claimant_id=claim.claimant_id,
            loan_type=claim.loan_type,
            policy=claim.policy,
            claimed_principal=claim.claimed_principal,
            trail=claim.trail[1:] or (),
        )
