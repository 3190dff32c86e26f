"""Use cases of loans: grant, pool entry, disbursement, repayment, overdue, lawsuit,
guarantor prepayment (memorandum entry) and recovery (pro-rata return to the pool)."""

from __future__ import annotations

from datetime import date
from typing import Any

from moneyed import Money

from riskpool.domain.claim import ClaimState
from riskpool.domain.compensation import recovery_return
from riskpool.domain.flows import guarantor_prepayment_memo, recovery_returned
from riskpool.domain.loan import Loan, RepaymentKind, firm_pool_exposure
from riskpool.domain.money import zero
from riskpool.domain.parties import Actor, Role
from riskpool.domain.persistence.uow import UnitOfWork
from riskpool.domain.policies_shipped import SHIPPED_POLICIES
from riskpool.domain.policy import LoanType
from riskpool.domain.services.base import (
    Service,
    fund_book_on,
    jsonable,
    post_plans,
    require_institution,
    require_role,
)
from riskpool.errors import ErrorCode, RiskpoolError

LOAN_WRITERS = (Role.INSTITUTION, Role.OPERATOR)


class LoanService(Service):
    async def grant(
        self,
        actor: Actor,
        *,
        contract_no: str,
        lender_id: int,
        firm_id: int,
        loan_type: LoanType,
        credit_line: Money,
        granted_on: date,
        maturity: date,
        guarantor_id: int | None = None,
    ) -> Loan:
        """Register a credit line (授信) granted by a bank, optionally guaranteed."""
        require_role(actor, *LOAN_WRITERS)
        require_institution(actor, lender_id, guarantor_id)
        if not contract_no.strip():
            raise RiskpoolError(
                ErrorCode.VALIDATION, "contract number is empty", field="contractNo"
            )
        async with self.uow() as uow:
            lender = await uow.institutions.get(lender_id)
            guarantor = (
                await uow.institutions.get(guarantor_id) if guarantor_id is not None else None
            )
            firm = await uow.firms.get(firm_id)
            loan = Loan.grant(
                lender=lender,
                firm=firm,
                loan_type=loan_type,
                credit_line=credit_line,
                granted_on=granted_on,
                maturity=maturity,
                guarantor=guarantor,
                contract_no=contract_no,
            )
            return await uow.loans.add(loan)

    async def _owned(self, uow: UnitOfWork, actor: Actor, loan_id: int) -> Loan:
        loan = await uow.loans.get(loan_id, lock=True)
        require_institution(actor, loan.lender_id, loan.guarantor_id)
        return loan

    async def enter_pool(self, actor: Actor, loan_id: int, *, on: date) -> Loan:
        """Admit a loan into the pool (入池) under the policy in force on ``on``."""
        require_role(actor, *LOAN_WRITERS)
        async with self.uow() as uow:
            loan = await self._owned(uow, actor, loan_id)
            policy = SHIPPED_POLICIES.in_force(on)
            firm = await uow.firms.get(loan.firm_id)
            lender = await uow.institutions.get(loan.lender_id)
            guarantor = (
                await uow.institutions.get(loan.guarantor_id)
                if loan.guarantor_id is not None
                else None
            )
            # Only credit still in force counts against the per-firm cap: a loan that
            # matured, or was disbursed and fully repaid, no longer exposes the pool.
            others = [
                other
                for other in await uow.loans.for_firm(loan.firm_id)
                if other.maturity > on
                and (other.disbursed().amount == 0 or other.outstanding().amount > 0)
            ]
            exposure = firm_pool_exposure(others, loan.firm_id, excluding=loan)
            loan.enter_pool(
                policy,
                on,
                firm=firm,
                lender=lender,
                guarantor=guarantor,
                firm_exposure_elsewhere=exposure,
            )
            await uow.loans.save(loan)
            return loan

    async def _movement(
        self,
        actor: Actor,
        loan_id: int,
        key: str,
        operation: str,
        payload: dict[str, Any],
        change: Any,
    ) -> Loan:
        require_role(actor, *LOAN_WRITERS)

        async def work(uow: UnitOfWork) -> dict[str, Any]:
            loan = await self._owned(uow, actor, loan_id)
            await change(uow, loan)
            await uow.loans.save(loan)
            return {"loan_id": loan_id}

        await self.once(key, operation, jsonable({"loan_id": loan_id, **payload}), work)
        async with self.uow() as uow:
            return await uow.loans.get(loan_id)

    async def disburse(
        self, actor: Actor, loan_id: int, *, on: date, amount: Money, idempotency_key: str
    ) -> Loan:
        async def change(uow: UnitOfWork, loan: Loan) -> None:
            loan.disburse(on, amount)

        return await self._movement(
            actor, loan_id, idempotency_key, "loan.disburse", {"on": on, "amount": amount}, change
        )

    async def repay(
        self, actor: Actor, loan_id: int, *, on: date, amount: Money, idempotency_key: str
    ) -> Loan:
        async def change(uow: UnitOfWork, loan: Loan) -> None:
            loan.repay(on, amount)

        return await self._movement(
            actor, loan_id, idempotency_key, "loan.repay", {"on": on, "amount": amount}, change
        )

    async def record_prepayment(
        self, actor: Actor, loan_id: int, *, on: date, amount: Money, idempotency_key: str
    ) -> Loan:
        """The guarantor paid the bank on the borrower's behalf (代偿): memorandum entry."""

        async def change(uow: UnitOfWork, loan: Loan) -> None:
            if loan.guarantor_id is None:
                raise RiskpoolError(
                    ErrorCode.VALIDATION, "a bank-direct loan has no guarantor", field="loan"
                )
            require_institution(actor, loan.guarantor_id)
            prepayment = loan.record_prepayment(on, amount, loan.guarantor_id)
            await uow.loans.save(loan)
            await post_plans(uow, actor, guarantor_prepayment_memo(loan, prepayment))

        return await self._movement(
            actor,
            loan_id,
            idempotency_key,
            "loan.prepayment",
            {"on": on, "amount": amount},
            change,
        )

    async def record_recovery(
        self,
        actor: Actor,
        loan_id: int,
        *,
        on: date,
        amount: Money,
        reference: str,
        idempotency_key: str,
    ) -> Loan:
        """Principal recovered after compensation (追偿); the pool's pro-rata share returns."""

        async def change(uow: UnitOfWork, loan: Loan) -> None:
            before = loan.recovered()
            loan.repay(on, amount, RepaymentKind.RECOVERY)
            await uow.loans.save(loan)
            paid = [c for c in await uow.claims.for_loan(loan_id) if c.state is ClaimState.PAID]
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
                    book_code=fund_book_on(on),
                    on=on,
                    recovered_total=loan.recovered(),
                    already_returned=already,
                    reference=reference,
                )
                if plan is not None:
                    await post_plans(uow, actor, plan)

        return await self._movement(
            actor,
            loan_id,
            idempotency_key,
            "loan.recovery",
            {"on": on, "amount": amount, "reference": reference},
            change,
        )

    async def mark_overdue(self, actor: Actor, loan_id: int, *, since: date) -> Loan:
        return await self._event(actor, loan_id, lambda loan: loan.mark_overdue(since))

    async def mark_current(self, actor: Actor, loan_id: int) -> Loan:
        return await self._event(actor, loan_id, lambda loan: loan.mark_current())

    async def record_lawsuit(self, actor: Actor, loan_id: int, *, filed_on: date) -> Loan:
        return await self._event(actor, loan_id, lambda loan: loan.record_lawsuit(filed_on))

    async def _event(self, actor: Actor, loan_id: int, change: Any) -> Loan:
        require_role(actor, *LOAN_WRITERS)
        async with self.uow() as uow:
            loan = await self._owned(uow, actor, loan_id)
            change(loan)
            await uow.loans.save(loan)
            return loan
