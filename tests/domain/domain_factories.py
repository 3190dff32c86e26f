"""Builders for the domain tests: parties, pool loans, actors and claims in any state.

Plain functions (not fixtures) so that hypothesis tests can call them freely.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from moneyed import Money

from riskpool.domain.model.claim import Claim, ClaimAction, ClaimState, Concurrence, Evidence
from riskpool.domain.model.dates import BUSINESS_TZ, add_months
from riskpool.domain.model.loan import Loan
from riskpool.domain.model.money import cny
from riskpool.domain.model.parties import Actor, Firm, Institution, InstitutionKind, Role
from riskpool.domain.model.policies_shipped import ZKD_2025
from riskpool.domain.model.policy import LoanType, Policy
from riskpool.domain.model.uscc import generate_uscc

BANK_ID, GUARANTOR_ID, OTHER_BANK_ID, FIRM_ID, LOAN_ID = 1, 2, 3, 10, 100
GRANTED = date(2025, 3, 1)


def at(day: date, hour: int = 10) -> datetime:
    """An aware timestamp on ``day`` in Beijing time."""
    return datetime.combine(day, time(hour), tzinfo=BUSINESS_TZ)


def bank(id: int = BANK_ID, name: str = "郑州银行") -> Institution:
    return Institution(id=id, name=name, kind=InstitutionKind.BANK)


def guarantor(id: int = GUARANTOR_ID, name: str = "郑州中小企业融资担保有限公司") -> Institution:
    return Institution(id=id, name=name, kind=InstitutionKind.GUARANTOR)


def firm(id: int = FIRM_ID, *, tier: int | None = 3, sector: str = "软件和信息技术服务业") -> Firm:
    return Firm(
        id=id,
        name=f"郑州示例科技有限公司{id}",
        uscc=generate_uscc(id),
        sector=sector,
        annual_revenue=cny("30000000.00"),
        innovation_tier=tier,
    )


def actor(role: Role, institution_id: int | None = None) -> Actor:
    if role is Role.INSTITUTION and institution_id is None:
        institution_id = BANK_ID
    return Actor(role=role, subject=f"user-{role.lower()}", institution_id=institution_id)


def new_loan(
    loan_type: LoanType = LoanType.BANK_DIRECT,
    *,
    credit: str = "1000000.00",
    granted_on: date = GRANTED,
    months: int = 12,
) -> Loan:
    return Loan(
        id=LOAN_ID,
        lender_id=BANK_ID,
        guarantor_id=GUARANTOR_ID if loan_type is LoanType.GUARANTEED else None,
        firm_id=FIRM_ID,
        loan_type=loan_type,
        credit_line=cny(credit),
        granted_on=granted_on,
        maturity=add_months(granted_on, months),
    )


def pool_loan(
    loan_type: LoanType = LoanType.BANK_DIRECT,
    *,
    policy: Policy = ZKD_2025,
    credit: str = "1000000.00",
    disbursed: str = "1000000.00",
    granted_on: date = GRANTED,
    overdue_since: date | None = None,
    lawsuit_on: date | None = None,
    prepaid: str | None = None,
) -> Loan:
    """A loan in the pool under ``policy``, disbursed on the grant date, optionally in default."""
    loan = new_loan(loan_type, credit=credit, granted_on=granted_on)
    loan.disburse(granted_on, cny(disbursed))
    loan.enter_pool(
        policy,
        granted_on,
        firm=firm(),
        lender=bank(),
        guarantor=guarantor() if loan_type is LoanType.GUARANTEED else None,
        firm_exposure_elsewhere=cny("0.00"),
    )
    if overdue_since is not None:
        loan.mark_overdue(overdue_since)
    if lawsuit_on is not None:
        loan.record_lawsuit(lawsuit_on)
    if prepaid is not None:
        loan.record_prepayment(overdue_since or granted_on, cny(prepaid), GUARANTOR_ID)
    return loan


def defaulted_loan(loan_type: LoanType = LoanType.BANK_DIRECT) -> Loan:
    """A pool loan overdue since 2025-06-01 (more than 60 days from 2025-08-01 on);
    a guaranteed one has been fully prepaid by the guarantor."""
    prepaid = "1000000.00" if loan_type is LoanType.GUARANTEED else None
    return pool_loan(loan_type, overdue_since=date(2025, 6, 1), prepaid=prepaid)


FILING_DAY = date(2025, 8, 15)

FULL_EVIDENCE = Evidence(
    documents="申请资料-2025-001",
    audit_report_ref="审计报告-2025-001",
    audited_principal_loss=cny("800000.00"),
    review_opinion="同意补偿",
    finance_concurrence=Concurrence(actor=actor(Role.FINANCE_BUREAU), reference="财政局意见-001"),
    approval_document_no="市政府批复-2025-01",
    payment_reference="BANKREF-0001",
)

ACTOR_FOR: dict[ClaimAction, Role] = {
    ClaimAction.COMMISSION_AUDIT: Role.OPERATOR,
    ClaimAction.RECORD_AUDIT: Role.AUDITOR,
    ClaimAction.REVIEW: Role.SCIENCE_BUREAU,
    ClaimAction.APPROVE: Role.CITY_GOVERNMENT,
    ClaimAction.PAY: Role.OPERATOR,
}

HAPPY_PATH = (
    ClaimAction.COMMISSION_AUDIT,
    ClaimAction.RECORD_AUDIT,
    ClaimAction.REVIEW,
    ClaimAction.APPROVE,
    ClaimAction.PAY,
)


def submitted_claim(
    loan: Loan | None = None,
    *,
    claimed: str = "1000000.00",
    prior: tuple[Claim, ...] = (),
    on: date = FILING_DAY,
    policy: Policy = ZKD_2025,
) -> Claim:
    loan = loan if loan is not None else defaulted_loan()
    claimant = guarantor() if loan.loan_type is LoanType.GUARANTEED else bank()
    claim = Claim.submit(
        loan=loan,
        claimant=claimant,
        policy=policy,
        actor=actor(Role.INSTITUTION, claimant.id),
        at=at(on),
        claimed_principal=cny(claimed),
        evidence=Evidence(documents="申请资料-2025-001"),
        prior_claims=prior,
    )
    claim.id = 1000 + len(prior)
    return claim


def claim_in_state(
    state: ClaimState, loan: Loan | None = None, *, loss: str = "800000.00"
) -> Claim:
    """A claim driven to ``state`` along the workflow, one hour per step."""
    claim = submitted_claim(loan)
    evidence = replace(FULL_EVIDENCE, audited_principal_loss=cny(loss))
    moment = at(FILING_DAY)
    step = 0

    def next_at() -> datetime:
        nonlocal step
        step += 1
        return moment + timedelta(hours=step)

    if state is ClaimState.WITHDRAWN:
        claim.withdraw(actor(Role.INSTITUTION, claim.claimant_id), next_at(), "撤回")
        return claim
    if state is ClaimState.REJECTED:
        claim.commission_audit(actor(Role.OPERATOR), next_at())
        claim.reject(actor(Role.AUDITOR), next_at(), "不合规")
        return claim
    for action in HAPPY_PATH:
        if claim.state is state:
            break
        claim.apply(action, actor(ACTOR_FOR[action]), next_at(), evidence)
    assert claim.state is state
    return claim


def money(text: str) -> Money:
    return cny(Decimal(text))
