"""Mutations of loans: grant, pool entry, disbursement, repayment, overdue, lawsuit,
guarantor prepayment and recovery. Money-moving ones take an idempotency key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import strawberry
from strawberry.types import Info

from riskpool.domain.loan import Loan
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.errors import UserError
from riskpool.graphql.core.mutations import attempt
from riskpool.graphql.core.scalars import MoneyInput
from riskpool.graphql.loans.types import LoanNode, LoanType


@strawberry.type
class LoanPayload:
    loan: LoanNode | None
    user_errors: list[UserError]


async def _payload(work: Callable[[], Awaitable[Loan]]) -> LoanPayload:
    result, errors = await attempt(work)
    return LoanPayload(loan=LoanNode.of(result) if result else None, user_errors=errors)


@strawberry.type
class LoanMutation:
    @strawberry.mutation(description="Institution (its own) or operator: register a credit line.")
    async def grant_loan(
        self,
        info: Info[Context, None],
        contract_no: str,
        lender_id: int,
        firm_id: int,
        loan_type: LoanType,  # type: ignore[valid-type]
        credit_line: MoneyInput,
        granted_on: date,
        maturity: date,
        guarantor_id: int | None = None,
    ) -> LoanPayload:
        actor = info.context.actor()
        return await _payload(
            lambda: info.context.app.loans.grant(
                actor,
                contract_no=contract_no,
                lender_id=lender_id,
                firm_id=firm_id,
                loan_type=loan_type,
                credit_line=credit_line.to_money(),
                granted_on=granted_on,
                maturity=maturity,
                guarantor_id=guarantor_id,
            )
        )

    @strawberry.mutation(description="Admit a loan into the pool under the policy in force.")
    async def enter_pool(self, info: Info[Context, None], loan_id: int, on: date) -> LoanPayload:
        actor = info.context.actor()
        return await _payload(lambda: info.context.app.loans.enter_pool(actor, loan_id, on=on))

    @strawberry.mutation(description="Record a disbursement (放贷).")
    async def disburse_loan(
        self,
        info: Info[Context, None],
        loan_id: int,
        on: date,
        amount: MoneyInput,
        idempotency_key: str,
    ) -> LoanPayload:
        actor = info.context.actor()
        return await _payload(
            lambda: info.context.app.loans.disburse(
                actor, loan_id, on=on, amount=amount.to_money(), idempotency_key=idempotency_key
            )
        )

    @strawberry.mutation(description="Record a principal repayment.")
    async def repay_loan(
        self,
        info: Info[Context, None],
        loan_id: int,
        on: date,
        amount: MoneyInput,
        idempotency_key: str,
    ) -> LoanPayload:
        actor = info.context.actor()
        return await _payload(
            lambda: info.context.app.loans.repay(
                actor, loan_id, on=on, amount=amount.to_money(), idempotency_key=idempotency_key
            )
        )

    @strawberry.mutation(description="Record that the loan's principal is overdue since a date.")
    async def mark_loan_overdue(
        self, info: Info[Context, None], loan_id: int, since: date
    ) -> LoanPayload:
        actor = info.context.actor()
        return await _payload(
            lambda: info.context.app.loans.mark_overdue(actor, loan_id, since=since)
        )

    @strawberry.mutation(description="Record that the loan is current again.")
    async def mark_loan_current(self, info: Info[Context, None], loan_id: int) -> LoanPayload:
        actor = info.context.actor()
        return await _payload(lambda: info.context.app.loans.mark_current(actor, loan_id))

    @strawberry.mutation(description="Record that the lender has sued.")
    async def record_lawsuit(
        self, info: Info[Context, None], loan_id: int, filed_on: date
    ) -> LoanPayload:
        actor = info.context.actor()
        return await _payload(
            lambda: info.context.app.loans.record_lawsuit(actor, loan_id, filed_on=filed_on)
        )

    @strawberry.mutation(description="Guarantor: it paid the bank for the borrower (代偿).")
    async def record_guarantor_prepayment(
        self,
        info: Info[Context, None],
        loan_id: int,
        on: date,
        amount: MoneyInput,
        idempotency_key: str,
    ) -> LoanPayload:
        actor = info.context.actor()
        return await _payload(
            lambda: info.context.app.loans.record_prepayment(
                actor, loan_id, on=on, amount=amount.to_money(), idempotency_key=idempotency_key
            )
        )

    @strawberry.mutation(description="Principal recovered after compensation (追偿, 回缴).")
    async def record_recovery(
        self,
        info: Info[Context, None],
        loan_id: int,
        on: date,
        amount: MoneyInput,
        reference: str,
        idempotency_key: str,
    ) -> LoanPayload:
        actor = info.context.actor()
        return await _payload(
            lambda: info.context.app.loans.record_recovery(
                actor,
                loan_id,
                on=on,
                amount=amount.to_money(),
                reference=reference,
                idempotency_key=idempotency_key,
            )
        )
