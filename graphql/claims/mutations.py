"""Mutations of the claim workflow: one per action, each with its evidence.

The actor's role decides what it may do (the domain's transition table, whose
roles come from the permission table); a wrong role is ``FORBIDDEN``, a wrong
state ``INVALID_TRANSITION``, missing evidence ``MISSING_EVIDENCE`` — all as
``userErrors``. Each resolver only builds the command and runs it on the bus;
no mutation takes a time: every step happens at the server's clock, so a
retry with the same key is the same request.
"""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from strawberry.types import Info

from riskpool.domain.commands import Command
from riskpool.domain.commands import claims as cmd
from riskpool.domain.model.claim import Claim
from riskpool.graphql.claims.types import ClaimNode
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.errors import UserError
from riskpool.graphql.core.mutations import attempt
from riskpool.graphql.core.scalars import MoneyInput


@strawberry.type
class ClaimPayload:
    claim: ClaimNode | None
    user_errors: list[UserError]


async def _send(info: Info[Context, None], command: Callable[[], Command[Claim]]) -> ClaimPayload:
    """Build the command (input conversion may refuse) and run it on the bus."""
    context = info.context
    actor = context.actor()
    result, errors = await attempt(lambda: context.app.handle(command(), actor))
    return ClaimPayload(claim=ClaimNode.of(result) if result else None, user_errors=errors)


@strawberry.type
class ClaimMutation:
    @strawberry.mutation(description="Institution: file a claim for a pool loan's principal loss.")
    async def submit_claim(
        self,
        info: Info[Context, None],
        loan_id: int,
        claimed_principal: MoneyInput,
        documents: str,
        idempotency_key: str,
    ) -> ClaimPayload:
        return await _send(
            info,
            lambda: cmd.SubmitClaim(
                loan_id=loan_id,
                claimed_principal=claimed_principal.to_money(),
                documents=documents,
                idempotency_key=idempotency_key,
            ),
        )

    @strawberry.mutation(description="Operator: commission the third-party audit.")
    async def commission_audit(
        self,
        info: Info[Context, None],
        claim_id: int,
        idempotency_key: str,
    ) -> ClaimPayload:
        return await _send(
            info,
            lambda: cmd.CommissionAudit(claim_id=claim_id, idempotency_key=idempotency_key),
        )

    @strawberry.mutation(description="Auditor: record the audit report and the audited loss.")
    async def record_audit(
        self,
        info: Info[Context, None],
        claim_id: int,
        audit_report_ref: str,
        audited_principal_loss: MoneyInput,
        idempotency_key: str,
    ) -> ClaimPayload:
        return await _send(
            info,
            lambda: cmd.RecordAudit(
                claim_id=claim_id,
                audit_report_ref=audit_report_ref,
                audited_principal_loss=audited_principal_loss.to_money(),
                idempotency_key=idempotency_key,
            ),
        )

    @strawberry.mutation(description="Science bureau, with the finance bureau's concurrence.")
    async def review_claim(
        self,
        info: Info[Context, None],
        claim_id: int,
        review_opinion: str,
        finance_concurrence_reference: str,
        finance_concurrence_by: str,
        idempotency_key: str,
    ) -> ClaimPayload:
        return await _send(
            info,
            lambda: cmd.ReviewClaim(
                claim_id=claim_id,
                review_opinion=review_opinion,
                finance_concurrence_reference=finance_concurrence_reference,
                finance_concurrence_by=finance_concurrence_by,
                idempotency_key=idempotency_key,
            ),
        )

    @strawberry.mutation(description="City government: approve (books the payable).")
    async def approve_claim(
        self,
        info: Info[Context, None],
        claim_id: int,
        approval_document_no: str,
        idempotency_key: str,
    ) -> ClaimPayload:
        return await _send(
            info,
            lambda: cmd.ApproveClaim(
                claim_id=claim_id,
                approval_document_no=approval_document_no,
                idempotency_key=idempotency_key,
            ),
        )

    @strawberry.mutation(description="Operator: pay the approved compensation from the fund.")
    async def pay_claim(
        self,
        info: Info[Context, None],
        claim_id: int,
        payment_reference: str,
        idempotency_key: str,
    ) -> ClaimPayload:
        return await _send(
            info,
            lambda: cmd.PayClaim(
                claim_id=claim_id,
                payment_reference=payment_reference,
                idempotency_key=idempotency_key,
            ),
        )

    @strawberry.mutation(description="Reject at audit, review or approval, with a reason.")
    async def reject_claim(
        self,
        info: Info[Context, None],
        claim_id: int,
        reason: str,
        idempotency_key: str,
    ) -> ClaimPayload:
        return await _send(
            info,
            lambda: cmd.RejectClaim(
                claim_id=claim_id, reason=reason, idempotency_key=idempotency_key
            ),
        )

    @strawberry.mutation(description="Claimant: withdraw before approval.")
    async def withdraw_claim(
        self,
        info: Info[Context, None],
        claim_id: int,
        idempotency_key: str,
        reason: str | None = None,
    ) -> ClaimPayload:
        return await _send(
            info,
            lambda: cmd.WithdrawClaim(
                claim_id=claim_id, idempotency_key=idempotency_key, reason=reason
            ),
        )
