"""GraphQL types of institutions and firms."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date

import strawberry
from strawberry import relay
from strawberry.types import Info

from riskpool.domain.model import parties as model
from riskpool.graphql.core import loaders
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.scalars import MoneyType

InstitutionKind = strawberry.enum(model.InstitutionKind, name="InstitutionKind")
CooperationStatus = strawberry.enum(model.CooperationStatus, name="CooperationStatus")
Role = strawberry.enum(model.Role, name="Role")


@strawberry.type(name="StatusChange")
class StatusChangeType:
    status: CooperationStatus  # type: ignore[valid-type]
    on: date
    reason: str
    by_role: Role | None  # type: ignore[valid-type]
    by_subject: str | None


@strawberry.type(name="Institution", description="A cooperating bank or guarantee company.")
class InstitutionType(relay.Node):
    institution_id: relay.NodeID[int]
    name: str
    kind: InstitutionKind  # type: ignore[valid-type]
    cooperating_since: date | None
    status: CooperationStatus  # type: ignore[valid-type]
    history: list[StatusChangeType]

    @strawberry.field(description="The integer id that mutations take (e.g. claimId).")
    def database_id(self) -> int:
        return self.institution_id

    @classmethod
    def of(cls, i: model.Institution) -> InstitutionType:
        assert i.id is not None
        return cls(
            institution_id=i.id,
            name=i.name,
            kind=i.kind,
            cooperating_since=i.cooperating_since,
            status=i.status,
            history=[
                StatusChangeType(
                    status=c.status,
                    on=c.on,
                    reason=c.reason,
                    by_role=c.by.role if c.by else None,
                    by_subject=c.by.subject if c.by else None,
                )
                for c in i.history
            ],
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[InstitutionType | None]:
        found = await loaders.institutions(info.context).load_many([_int(n) for n in node_ids])
        return [cls.of(i) if i is not None else None for i in found]


@strawberry.type(name="Firm", description="A technology company that borrows.")
class FirmType(relay.Node):
    firm_id: relay.NodeID[int]
    name: str
    uscc: str = strawberry.field(
        description="统一社会信用代码 (checked, including its check character)."
    )
    sector: str
    annual_revenue: MoneyType
    innovation_tier: int | None

    @strawberry.field(description="The integer id that mutations take (e.g. claimId).")
    def database_id(self) -> int:
        return self.firm_id

    @classmethod
    def of(cls, f: model.Firm) -> FirmType:
        assert f.id is not None
        return cls(
            firm_id=f.id,
            name=f.name,
            uscc=f.uscc,
            sector=f.sector,
            annual_revenue=MoneyType.of(f.annual_revenue),
            innovation_tier=f.innovation_tier,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[FirmType | None]:
        found = await loaders.firms(info.context).load_many([_int(n) for n in node_ids])
        return [cls.of(f) if f is not None else None for f in found]


def _int(node_id: str) -> int:
    try:
        return int(node_id)
    except ValueError:
        return -1


__all__ = ["FirmType", "InstitutionType", "enum"]
