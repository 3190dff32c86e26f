"""Handlers of loans: grant, pool entry, disbursement, repayment, overdue, lawsuit,
guarantor prepayment (memorandum entry) and recovery (pro-rata return to the pool).

Every one is the lending institution's own record (``LOAN_WRITE``): an
institution acts only on loans it lends or guarantees. Every date a lender
reports is checked against the server's business date (never after today,
back-dated at most the configured window); pool entry is dated by the server.
"""

from __future__ import annotations

from datetime import date

from riskpool.domain.commands.loans import (
    DisburseLoan,
    EnterPool,
    GrantLoan,
    MarkCurrent,
    MarkOverdue,
    RecordLawsuit,
    RecordPrepayment,
    RecordRecovery,
    RepayLoan,
)
from riskpool.domain.handlers.common import (
    hide_unless_party,
    is_party,
    not_found,
    post_plans,
    require_institution,
)
from riskpool.domain.handlers.ports import UnitOfWork
from riskpool.domain.model.chart import fund_book_on
from riskpool.domain.model.claim import ClaimState
from riskpool.domain.model.compensation import recovery_return
from riskpool.domain.model.flows import guarantor_prepayment_memo, recovery_returned
from riskpool.domain.model.guarantee import require_accepted
from riskpool.domain.model.loan import Loan, RepaymentKind, firm_pool_exposure
from riskpool.domain.model.money import zero
from riskpool.domain.model.parties import Actor
from riskpool.domain.model.policies_shipped import SHIPPED_POLICIES
from riskpool.domain.permissions import Operation, authorize
from riskpool.errors import ErrorCode, RiskpoolError


async def _owned(uow: UnitOfWork, actor: Actor, loan_id: int) -> Loan:
    """The loan, locked, if the actor may write it.

    Another tenant's loan is refused exactly as a missing one, before any check
    of its state (issue 15: no existence or state oracle).
    """
    authorize(actor, Operation.LOAN_WRITE)
    loan = await uow.loans.get(loan_id, lock=True)
    hide_unless_party(actor, "loan", loan_id, loan.lender_id, loan.guarantor_id)
    return loan


def _reported(uow: UnitOfWork, day: date, field: str) -> date:
    """A date the lender reports, if the server accepts it as a business date."""
    return uow.business_dates().check(day, field)


async def grant_loan(cmd: GrantLoan, actor: Actor, uow: UnitOfWork) -> Loan:
    """Register a credit line (授信) granted by a bank, optionally guaranteed."""
    authorize(actor, Operation.LOAN_WRITE)
    if not cmd.contract_no.strip():
        raise RiskpoolError(ErrorCode.VALIDATION, "contract number is empty", field="contractNo")
    # Issue 15: an institution lends only as itself; another institution's id is
    # answered as a missing one, at the very point a missing lender is. Naming a
    # guarantor is allowed: the loan enters the pool only once it accepts.
    if not is_party(actor, cmd.lender_id):
        raise not_found("institution", cmd.lender_id)
    lender = await uow.institutions.get(cmd.lender_id)
    guarantor = (
        await uow.institutions.get(cmd.guarantor_id) if cmd.guarantor_id is not None else None
    )
    firm = await uow.firms.get(cmd.firm_id)
    loan = Loan.grant(
        lender=lender,
        firm=firm,
        loan_type=cmd.loan_type,
        credit_line=cmd.credit_line,
        granted_on=uow.business_dates().check(cmd.granted_on, "grantedOn"),
        maturity=cmd.maturity,
        guarantor=guarantor,
        contract_no=cmd.contract_no,
    )
    return await uow.loans.add(loan)


async def enter_pool(cmd: EnterPool, actor: Actor, uow: UnitOfWork) -> Loan:
    """Admit a loan into the pool (入池) today, under the policy in force today."""
    loan = await _owned(uow, actor, cmd.loan_id)
    # Issue 15: a guaranteed loan enters only once its guarantor accepted (AcceptGuarantee).
    require_accepted(loan, await uow.guarantees.accepted(cmd.loan_id))
    on = uow.business_dates().today
    policy = SHIPPED_POLICIES.in_force(on)
    firm = await uow.firms.get(loan.firm_id)
    lender = await uow.institutions.get(loan.lender_id)
    guarantor = (
        await uow.institutions.get(loan.guarantor_id) if loan.guarantor_id is not None else None
    )
    # Only credit still in force counts against the per-firm cap: a loan that
    # matured, or was disbursed and fully repaid, no longer exposes the pool.
    others = [
        other
        for other in await uow.loans.for_firm(loan.firm_id)
        if other.maturity > on and (other.disbursed().amount == 0 or other.outstanding().amount > 0)
    ]
    exposure = firm_pool_exposure(others, loan.firm_id, excluding=loan)
    loan.enter_pool(
        policy, on, firm=firm, lender=lender, guarantor=guarantor, firm_exposure_elsewhere=exposure
    )
    await uow.loans.save(loan)
    return loan


async def disburse_loan(cmd: DisburseLoan, actor: Actor, uow: UnitOfWork) -> Loan:
    loan = await _owned(uow, actor, cmd.loan_id)
    loan.disburse(_reported(uow, cmd.on, "on"), cmd.amount)
    await uow.loans.save(loan)
    return loan


async def repay_loan(cmd: RepayLoan, actor: Actor, uow: UnitOfWork) -> Loan:
    loan = await _owned(uow, actor, cmd.loan_id)
    loan.repay(_reported(uow, cmd.on, "on"), cmd.amount)
    await uow.loans.save(loan)
    return loan


async def record_prepayment(cmd: RecordPrepayment, actor: Actor, uow: UnitOfWork) -> Loan:
    """The guarantor paid the bank on the borrower's behalf (代偿): memorandum entry."""
    loan = await _owned(uow, actor, cmd.loan_id)
    if loan.guarantor_id is None:
        raise RiskpoolError(
            ErrorCode.VALIDATION, "a bank-direct loan has no guarantor", field="loan"
        )
    require_institution(actor, loan.guarantor_id)
    prepayment = loan.record_prepayment(_reported(uow, cmd.on, "on"), cmd.amount, loan.guarantor_id)
    await uow.loans.save(loan)
    await post_plans(uow, actor, guarantor_prepayment_memo(loan, prepayment))
    return loan


async def record_recovery(cmd: RecordRecovery, actor: Actor, uow: UnitOfWork) -> Loan:
    """Principal recovered after compensation (追偿); the pool's pro-rata share returns."""
    loan = await _owned(uow, actor, cmd.loan_id)
    _reported(uow, cmd.on, "on")
    before = loan.recovered()
    loan.repay(cmd.on, cmd.amount, RepaymentKind.RECOVERY)
    await uow.loans.save(loan)
    paid = [c for c in await uow.claims.for_loan(cmd.loan_id) if c.state is ClaimState.PAID]
    for claim in paid:
        assert claim.paid_amount is not None and claim.audited_principal_loss is not None
        already = (
            recovery_return(
                compensated=claim.paid_amount,
                principal_loss=claim.audited_principal_loss,
                recovered_total=before,
                already_returned=zero(),
            )
            if before.amount
            else zero()
        )
        # The recovery returns to the fund in force when it is recovered: after
        # 2025-02-06 the reserve has moved into the pool, so that is the pool.
        plan = recovery_returned(
            claim,
            book_code=fund_book_on(cmd.on),
            on=cmd.on,
            recovered_total=loan.recovered(),
            already_returned=already,
            reference=cmd.reference,
        )
        if plan is not None:
            await post_plans(uow, actor, plan)
    return loan


async def mark_overdue(cmd: MarkOverdue, actor: Actor, uow: UnitOfWork) -> Loan:
    loan = await _owned(uow, actor, cmd.loan_id)
    loan.mark_overdue(_reported(uow, cmd.since, "since"))
    await uow.loans.save(loan)
    return loan


async def mark_current(cmd: MarkCurrent, actor: Actor, uow: UnitOfWork) -> Loan:
    loan = await _owned(uow, actor, cmd.loan_id)
    loan.mark_current()
    await uow.loans.save(loan)
    return loan


async def record_lawsuit(cmd: RecordLawsuit, actor: Actor, uow: UnitOfWork) -> Loan:
    loan = await _owned(uow, actor, cmd.loan_id)
    loan.record_lawsuit(_reported(uow, cmd.filed_on, "filedOn"))
    await uow.loans.save(loan)
    return loan
