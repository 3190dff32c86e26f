"""GraphQL types of claims: the claim, its trail; relations via loaders."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from moneyed import Money as PyMoney
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from riskpool.domain.model import claim as model
from riskpool.domain.persistence.repositories import evidence_json
from riskpool.graphql.core import loaders
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.scalars import MoneyType
from riskpool.graphql.parties.types import InstitutionType, Role, _int

if TYPE_CHECKING:
    from riskpool.graphql.loans.types import LoanNode

ClaimState = strawberry.enum(model.ClaimState, name="ClaimState")
ClaimAction = strawberry.enum(model.ClaimAction, name="ClaimAction")


@strawberry.type(description="One step of a claim's append-only trail.")
class ClaimEvent:
    seq: int
    action: ClaimAction  # type: ignore[valid-type]
    source: ClaimState | None  # type: ignore[valid-type]
    target: ClaimState  # type: ignore[valid-type]
    actor_role: Role  # type: ignore[valid-type]
    actor_subject: str
    at: datetime
    evidence: JSON
    reason: str | None
    amount: MoneyType | None


@strawberry.type(name="Claim", description="A claim for compensation of one pool loan's loss.")
class ClaimNode(relay.Node):
    claim_id: relay.NodeID[int]
    state: ClaimState  # type: ignore[valid-type]
    policy_code: str
    claimed_principal: MoneyType
    audited_principal_loss: MoneyType | None
    compensation: MoneyType | None
    paid_amount: MoneyType | None
    submitted_at: datetime
    trail: list[ClaimEvent]
    loan_id: strawberry.Private[int]
    claimant_id: strawberry.Private[int]

    @strawberry.field(description="The integer id that mutations take (e.g. claimId).")
    def database_id(self) -> int:
        return self.claim_id

    @classmethod
    def of(cls, claim: model.Claim) -> ClaimNode:
        assert claim.id is not None

        def money(value: PyMoney | None) -> MoneyType | None:
            return MoneyType.of(value) if value is not None else None

        return cls(
            claim_id=claim.id,
            state=claim.state,
            policy_code=claim.policy.code,
            claimed_principal=MoneyType.of(claim.claimed_principal),
            audited_principal_loss=money(claim.audited_principal_loss),
            compensation=money(claim.compensation),
            paid_amount=money(claim.paid_amount),
            submitted_at=claim.submitted_at,
            trail=[
                ClaimEvent(
                    seq=e.seq,
                    action=e.action,
                    source=e.source,
                    target=e.target,
                    actor_role=e.actor.role,
                    actor_subject=e.actor.subject,
                    at=e.at,
                    evidence=cast(JSON, evidence_json(e.evidence)),
                    reason=e.reason,
                    amount=money(e.amount),
                )
                for e in claim.trail
            ],
            loan_id=claim.loan_id,
            claimant_id=claim.claimant_id,
        )

    @strawberry.field
    async def loan(
        self, info: Info[Context, None]
    ) -> Annotated[LoanNode, strawberry.lazy("riskpool.graphql.loans.types")] | None:
        from riskpool.graphql.loans.types import LoanNode

        found = await loaders.loans(info.context).load(self.loan_id)
        return LoanNode.of(found) if found is not None else None

    @strawberry.field
    async def claimant(self, info: Info[Context, None]) -> InstitutionType | None:
        found = await loaders.institutions(info.context).load(self.claimant_id)
        return InstitutionType.of(found) if found else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[ClaimNode | None]:
        found = await loaders.claims(info.context).load_many([_int(n) for n in node_ids])
        return [cls.of(c) if c is not None else None for c in found]
