"""Handlers of claims: file, then move through the workflow; approval and payment post.

Approval books the compensation as payable (Dr 风险补偿支出 / Cr 应付风险补偿款)
and payment settles it from the fund's cash (Dr 应付 / Cr 银行存款), both in the
fund in force on the approval date (:func:`~riskpool.domain.model.chart.fund_book_on`).
The cash account's no-overdraft flag means a payment the fund cannot cover is
refused with ``INSUFFICIENT_FUNDS`` and the claim stays APPROVED.

Who may take a step is the claim rulebook's row, whose roles come from the
permission table; a step with one operation is authorized before anything is
read, a rejection (whose operation depends on the claim's state) once the
claim is loaded.
"""

from __future__ import annotations

from datetime import date

from riskpool.domain.commands.claims import (
    ApproveClaim,
    CommissionAudit,
    PayClaim,
    RecordAudit,
    RejectClaim,
    ReviewClaim,
    SubmitClaim,
    WithdrawClaim,
)
from riskpool.domain.handlers.common import hide_unless_party, is_party, post_plans
from riskpool.domain.handlers.ports import UnitOfWork
from riskpool.domain.model.chart import fund_book_on
from riskpool.domain.model.claim import Claim, ClaimAction, ClaimState, Evidence, find_rule
from riskpool.domain.model.dates import business_date
from riskpool.domain.model.flows import compensation_approved, compensation_payment
from riskpool.domain.model.loan import Loan
from riskpool.domain.model.parties import Actor
from riskpool.domain.model.policies_shipped import SHIPPED_POLICIES
from riskpool.domain.permissions import Operation, authorize
from riskpool.errors import ErrorCode, RiskpoolError

ClaimStep = (
    CommissionAudit
    | RecordAudit
    | ReviewClaim
    | ApproveClaim
    | PayClaim
    | RejectClaim
    | WithdrawClaim
)
"""Every command that moves an existing claim by one action."""

_OPERATION: dict[ClaimAction, Operation] = {
    ClaimAction.COMMISSION_AUDIT: Operation.CLAIM_COMMISSION_AUDIT,
    ClaimAction.RECORD_AUDIT: Operation.CLAIM_RECORD_AUDIT,
    ClaimAction.REVIEW: Operation.CLAIM_REVIEW,
    ClaimAction.APPROVE: Operation.CLAIM_APPROVE,
    ClaimAction.PAY: Operation.CLAIM_PAY,
    ClaimAction.WITHDRAW: Operation.CLAIM_WITHDRAW,
}
"""Steps whose operation does not depend on the claim's state (REJECT does)."""


async def submit_claim(cmd: SubmitClaim, actor: Actor, uow: UnitOfWork) -> Claim:
    authorize(actor, Operation.CLAIM_SUBMIT)
    loan = await uow.loans.get(cmd.loan_id, lock=True)
    # Issue 15: another tenant's loan answers as a missing one, before its state.
    hide_unless_party(actor, "loan", cmd.loan_id, loan.lender_id, loan.guarantor_id)
    if loan.pool_entry is None:
        raise RiskpoolError(
            ErrorCode.POLICY_VIOLATION, "the loan is not in the pool", field="loanId"
        )
    at = uow.now()
    _after_loan_facts(loan, business_date(at))
    claimant = await uow.institutions.get(loan.claimant_id)
    claim = Claim.submit(
        loan=loan,
        claimant=claimant,
        policy=SHIPPED_POLICIES.by_code(loan.pool_entry.policy_code),
        actor=actor,
        at=at,
        claimed_principal=cmd.claimed_principal,
        evidence=Evidence(documents=cmd.documents),
        prior_claims=await uow.claims.for_loan(cmd.loan_id),
    )
    return await uow.claims.add(claim)


def _after_loan_facts(loan: Loan, day: date) -> None:
    """A claim is filed on ``day``, which may not precede any fact of its loan.

    Only a history import can get here with an earlier day (a live claim is
    dated today, and every loan fact is at most today); the rule holds anyway.
    """
    facts = [loan.granted_on, loan.last_movement_on, loan.overdue_since, loan.lawsuit_filed_on]
    latest = max((d for d in facts if d is not None), default=None)
    if latest is not None and day < latest:
        raise RiskpoolError(
            ErrorCode.VALIDATION,
            f"a claim filed on {day} would predate the loan's facts (latest {latest})",
            field="loanId",
        )


async def take_step(cmd: ClaimStep, actor: Actor, uow: UnitOfWork) -> Claim:
    """Move a claim by one action of the workflow; approval and payment post."""
    fixed = _OPERATION.get(cmd.action)
    if fixed is not None:
        authorize(actor, fixed)
    claim = await uow.claims.get(cmd.claim_id, lock=True)
    # Issue 15: a claim the institution may not read (not its own, not on a loan it
    # lends or guarantees) answers as a missing one, before its state is looked at.
    if not is_party(actor, claim.claimant_id):
        loan = await uow.loans.get(claim.loan_id)
        hide_unless_party(actor, "claim", cmd.claim_id, loan.lender_id, loan.guarantor_id)
    rule = find_rule(cmd.action, claim.state)
    if fixed is None and rule is not None:
        authorize(actor, rule.operation)
    at = uow.now()
    event = claim.apply(cmd.action, actor, at, cmd.evidence(), cmd.reason_given())
    await uow.claims.save(claim)
    if event.target is ClaimState.APPROVED:
        day = business_date(at)
        await post_plans(
            uow, actor, compensation_approved(claim, book_code=fund_book_on(day), on=day)
        )
    elif event.target is ClaimState.PAID:
        approved = next(e for e in claim.trail if e.target is ClaimState.APPROVED)
        book_code = fund_book_on(business_date(approved.at))
        await post_plans(
            uow, actor, compensation_payment(claim, book_code=book_code, on=business_date(at))
        )
    return claim
