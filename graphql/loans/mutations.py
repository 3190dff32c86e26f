"""Mutations of loans: grant, pool entry, disbursement, repayment, overdue, lawsuit,
guarantor prepayment and recovery. Money-moving ones take an idempotency key.

Each resolver only translates: arguments into a command, the bus's result (or
refusal) into the payload.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import strawberry
from strawberry.types import Info

from riskpool.domain.commands import Command
from riskpool.domain.commands import loans as cmd
from riskpool.domain.model.loan import Loan
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.errors import UserError
from riskpool.graphql.core.mutations import attempt
from riskpool.graphql.core.scalars import MoneyInput
from riskpool.graphql.loans.types import LoanNode, LoanType


@strawberry.type
class LoanPayload:
    loan: LoanNode | None
    user_errors: list[UserError]


async def _send(info: Info[Context, None], command: Callable[[], Command[Loan]]) -> LoanPayload:
    """Build the command (input conversion may refuse) and run it on the bus."""
    context = info.context
    actor = context.actor()
    result, errors = await attempt(lambda: context.app.handle(command(), actor))
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
        return await _send(
            info,
            lambda: cmd.GrantLoan(
                contract_no=contract_no,
                lender_id=lender_id,
                firm_id=firm_id,
                loan_type=loan_type,
                credit_line=credit_line.to_money(),
                granted_on=granted_on,
                maturity=maturity,
                guarantor_id=guarantor_id,
            ),
        )

    @strawberry.mutation(
        description="Admit a loan into the pool today (the server's date), under the policy "
        "in force today."
    )
    async def enter_pool(self, info: Info[Context, None], loan_id: int) -> LoanPayload:
        return await _send(info, lambda: cmd.EnterPool(loan_id=loan_id))

    @strawberry.mutation(description="Record a disbursement (放贷).")
    async def disburse_loan(
        self,
        info: Info[Context, None],
        loan_id: int,
        on: date,
        amount: MoneyInput,
        idempotency_key: str,
    ) -> LoanPayload:
        return await _send(
            info,
            lambda: cmd.DisburseLoan(
                loan_id=loan_id, on=on, amount=amount.to_money(), idempotency_key=idempotency_key
            ),
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
        return await _send(
            info,
            lambda: cmd.RepayLoan(
                loan_id=loan_id, on=on, amount=amount.to_money(), idempotency_key=idempotency_key
            ),
        )

    @strawberry.mutation(description="Record that the loan's principal is overdue since a date.")
    async def mark_loan_overdue(
        self, info: Info[Context, None], loan_id: int, since: date
    ) -> LoanPayload:
        return await _send(info, lambda: cmd.MarkOverdue(loan_id=loan_id, since=since))

    @strawberry.mutation(description="Record that the loan is current again.")
    async def mark_loan_current(self, info: Info[Context, None], loan_id: int) -> LoanPayload:
        return await _send(info, lambda: cmd.MarkCurrent(loan_id=loan_id))

    @strawberry.mutation(description="Record that the lender has sued.")
    async def record_lawsuit(
        self, info: Info[Context, None], loan_id: int, filed_on: date
    ) -> LoanPayload:
        return await _send(info, lambda: cmd.RecordLawsuit(loan_id=loan_id, filed_on=filed_on))

    @strawberry.mutation(description="Guarantor: it paid the bank for the borrower (代偿).")
    async def record_guarantor_prepayment(
        self,
        info: Info[Context, None],
        loan_id: int,
        on: date,
        amount: MoneyInput,
        idempotency_key: str,
    ) -> LoanPayload:
        return await _send(
            info,
            lambda: cmd.RecordPrepayment(
                loan_id=loan_id, on=on, amount=amount.to_money(), idempotency_key=idempotency_key
            ),
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
        return await _send(
            info,
            lambda: cmd.RecordRecovery(
                loan_id=loan_id,
                on=on,
                amount=amount.to_money(),
                reference=reference,
                idempotency_key=idempotency_key,
            ),
        )
