"""Mutations of the claim workflow: one per action, each with its evidence.

The actor's role decides what it may do (the domain's transition table);
a wrong role is ``FORBIDDEN``, a wrong state ``INVALID_TRANSITION``, missing
evidence ``MISSING_EVIDENCE`` — all as ``userErrors``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import strawberry
from strawberry.types import Info

from riskpool.domain.claim import Claim, ClaimAction, Concurrence, Evidence
from riskpool.domain.parties import Actor
from riskpool.domain.parties import Role as DomainRole
from riskpool.graphql.claims.types import ClaimNode
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.errors import UserError
from riskpool.graphql.core.mutations import attempt
from riskpool.graphql.core.scalars import MoneyInput


@strawberry.type
class ClaimPayload:
    claim: ClaimNode | None
    user_errors: list[UserError]


def _now(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def _payload(work: Callable[[], Awaitable[Claim]]) -> ClaimPayload:
    result, errors = await attempt(work)
    return ClaimPayload(claim=ClaimNode.of(result) if result else None, user_errors=errors)


async def _act(
    info: Info[Context, None],
    claim_id: int,
    action: ClaimAction,
    idempotency_key: str,
    at: datetime | None,
    evidence: Callable[[], Evidence] | None = None,
    reason: str | None = None,
) -> ClaimPayload:
    actor = info.context.actor()
    return await _payload(
        lambda: info.context.app.claims.act(
            actor,
            claim_id,
            action,
            at=_now(at),
            evidence=evidence() if evidence else None,
            reason=reason,
            idempotency_key=idempotency_key,
        )
    )


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
        at: datetime | None = None,
    ) -> ClaimPayload:
        actor = info.context.actor()
        return await _payload(
            lambda: info.context.app.claims.submit(
                actor,
                loan_id=loan_id,
                claimed_principal=claimed_principal.to_money(),
                evidence=Evidence(documents=documents),
                at=_now(at),
                idempotency_key=idempotency_key,
            )
        )

    @strawberry.mutation(description="Operator: commission the third-party audit.")
    async def commission_audit(
        self,
        info: Info[Context, None],
        claim_id: int,
        idempotency_key: str,
        at: datetime | None = None,
    ) -> ClaimPayload:
        return await _act(info, claim_id, ClaimAction.COMMISSION_AUDIT, idempotency_key, at)

    @strawberry.mutation(description="Auditor: record the audit report and the audited loss.")
    async def record_audit(
        self,
        info: Info[Context, None],
        claim_id: int,
        audit_report_ref: str,
        audited_principal_loss: MoneyInput,
        idempotency_key: str,
        at: datetime | None = None,
    ) -> ClaimPayload:
        return await _act(
            info,
            claim_id,
            ClaimAction.RECORD_AUDIT,
            idempotency_key,
            at,
            lambda: Evidence(
                audit_report_ref=audit_report_ref,
                audited_principal_loss=audited_principal_loss.to_money(),
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
        at: datetime | None = None,
    ) -> ClaimPayload:
        return await _act(
            info,
            claim_id,
            ClaimAction.REVIEW,
            idempotency_key,
            at,
            lambda: Evidence(
                review_opinion=review_opinion,
                finance_concurrence=Concurrence(
                    Actor(DomainRole.FINANCE_BUREAU, finance_concurrence_by),
                    finance_concurrence_reference,
                ),
            ),
        )

    @strawberry.mutation(description="City government: approve (books the payable).")
    async def approve_claim(
        self,
        info: Info[Context, None],
        claim_id: int,
        approval_document_no: str,
        idempotency_key: str,
        at: datetime | None = None,
    ) -> ClaimPayload:
        return await _act(
            info,
            claim_id,
            ClaimAction.APPROVE,
            idempotency_key,
            at,
            lambda: Evidence(approval_document_no=approval_document_no),
        )

    @strawberry.mutation(description="Operator: pay the approved compensation from the fund.")
    async def pay_claim(
        self,
        info: Info[Context, None],
        claim_id: int,
        payment_reference: str,
        idempotency_key: str,
        at: datetime | None = None,
    ) -> ClaimPayload:
        return await _act(
            info,
            claim_id,
            ClaimAction.PAY,
            idempotency_key,
            at,
            lambda: Evidence(payment_reference=payment_reference),
        )

    @strawberry.mutation(description="Reject at audit, review or approval, with a reason.")
    async def reject_claim(
        self,
        info: Info[Context, None],
        claim_id: int,
        reason: str,
        idempotency_key: str,
        at: datetime | None = None,
    ) -> ClaimPayload:
        return await _act(info, claim_id, ClaimAction.REJECT, idempotency_key, at, reason=reason)

    @strawberry.mutation(description="Claimant: withdraw before approval.")
    async def withdraw_claim(
        self,
        info: Info[Context, None],
        claim_id: int,
        idempotency_key: str,
        reason: str | None = None,
        at: datetime | None = None,
    ) -> ClaimPayload:
        return await _act(info, claim_id, ClaimAction.WITHDRAW, idempotency_key, at, reason=reason)
