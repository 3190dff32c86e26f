"""Use cases of claims: file, then move through the workflow; approval and payment post.

Approval books the compensation as payable (Dr 风险补偿支出 / Cr 应付风险补偿款)
and payment settles it from the fund's cash (Dr 应付 / Cr 银行存款), both in the
fund in force on the approval date (:func:`fund_book_on`). The cash account's
no-overdraft flag means a payment the fund cannot cover is refused with
``INSUFFICIENT_FUNDS`` and the claim stays APPROVED.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from moneyed import Money

from riskpool.domain.claim import Claim, ClaimAction, ClaimState, Evidence
from riskpool.domain.dates import business_date
from riskpool.domain.flows import compensation_approved, compensation_payment
from riskpool.domain.parties import Actor
from riskpool.domain.persistence.uow import UnitOfWork
from riskpool.domain.policies_shipped import SHIPPED_POLICIES
from riskpool.domain.services.base import Service, fund_book_on, jsonable, post_plans
from riskpool.errors import ErrorCode, RiskpoolError


def _evidence_payload(evidence: Evidence | None) -> dict[str, Any]:
    if evidence is None:
        return {}
    out: dict[str, Any] = {}
    for name in sorted(evidence.provided()):
        value = getattr(evidence, name)
        out[name] = jsonable(value) if not hasattr(value, "reference") else value.reference
    return out


class ClaimService(Service):
    async def submit(
        self,
        actor: Actor,
        *,
        loan_id: int,
        claimed_principal: Money,
        evidence: Evidence,
        at: datetime,
        idempotency_key: str,
    ) -> Claim:
        payload = jsonable(
            {
                "loan_id": loan_id,
                "claimed_principal": claimed_principal,
                "evidence": _evidence_payload(evidence),
                "at": at,
                "actor": [actor.role.value, actor.subject, actor.institution_id],
            }
        )

        async def work(uow: UnitOfWork) -> dict[str, Any]:
            loan = await uow.loans.get(loan_id, lock=True)
            if loan.pool_entry is None:
                raise RiskpoolError(
                    ErrorCode.POLICY_VIOLATION, "the loan is not in the pool", field="loanId"
                )
            claimant = await uow.institutions.get(loan.claimant_id)
            claim = Claim.submit(
                loan=loan,
                claimant=claimant,
                policy=SHIPPED_POLICIES.by_code(loan.pool_entry.policy_code),
                actor=actor,
                at=at,
                claimed_principal=claimed_principal,
                evidence=evidence,
                prior_claims=await uow.claims.for_loan(loan_id),
            )
            await uow.claims.add(claim)
            return {"claim_id": claim.id}

        result = await self.once(idempotency_key, "claim.submit", payload, work)
        return await self.get(int(result["claim_id"]))

    async def get(self, claim_id: int) -> Claim:
        async with self.uow() as uow:
            return await uow.claims.get(claim_id)

    async def act(
        self,
        actor: Actor,
        claim_id: int,
        action: ClaimAction,
        *,
        at: datetime,
        evidence: Evidence | None = None,
        reason: str | None = None,
        idempotency_key: str,
    ) -> Claim:
        """Move a claim by one action of the workflow (not SUBMIT; see :meth:`submit`)."""
        if action is ClaimAction.SUBMIT:
            raise RiskpoolError(ErrorCode.INVALID_TRANSITION, "use submit to file a claim")
        payload = jsonable(
            {
                "claim_id": claim_id,
                "action": action,
                "at": at,
                "evidence": _evidence_payload(evidence),
                "reason": reason,
                "actor": [actor.role.value, actor.subject, actor.institution_id],
            }
        )

        async def work(uow: UnitOfWork) -> dict[str, Any]:
            claim = await uow.claims.get(claim_id, lock=True)
            event = claim.apply(action, actor, at, evidence, reason)
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
                    uow,
                    actor,
                    compensation_payment(claim, book_code=book_code, on=business_date(at)),
                )
            return {"claim_id": claim_id, "seq": event.seq}

        await self.once(idempotency_key, f"claim.{action.value.lower()}", payload, work)
        return await self.get(claim_id)
