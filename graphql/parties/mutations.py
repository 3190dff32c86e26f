"""Mutations of institutions and firms."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from riskpool.graphql.core.context import Context
from riskpool.graphql.core.errors import UserError
from riskpool.graphql.core.mutations import attempt
from riskpool.graphql.core.scalars import MoneyInput
from riskpool.graphql.parties.types import FirmType, InstitutionKind, InstitutionType


@strawberry.type
class InstitutionPayload:
    institution: InstitutionType | None
    user_errors: list[UserError]


@strawberry.type
class FirmPayload:
    firm: FirmType | None
    user_errors: list[UserError]


@strawberry.type
class PartyMutation:
    @strawberry.mutation(description="Operator: register a cooperating bank or guarantee company.")
    async def register_institution(
        self,
        info: Info[Context, None],
        name: str,
        kind: InstitutionKind,  # type: ignore[valid-type]
        cooperating_since: date | None = None,
    ) -> InstitutionPayload:
        actor = info.context.actor()
        result, errors = await attempt(
            lambda: info.context.app.parties.register_institution(
                actor, name=name, kind=kind, cooperating_since=cooperating_since
            )
        )
        return InstitutionPayload(
            institution=InstitutionType.of(result) if result else None, user_errors=errors
        )

    @strawberry.mutation(description="Operator or science bureau: suspend cooperation.")
    async def suspend_institution(
        self, info: Info[Context, None], institution_id: int, reason: str, on: date
    ) -> InstitutionPayload:
        actor = info.context.actor()
        result, errors = await attempt(
            lambda: info.context.app.parties.suspend(actor, institution_id, reason=reason, on=on)
        )
        return InstitutionPayload(
            institution=InstitutionType.of(result) if result else None, user_errors=errors
        )

    @strawberry.mutation(description="Operator or science bureau: reinstate, explicitly.")
    async def reinstate_institution(
        self, info: Info[Context, None], institution_id: int, reason: str, on: date
    ) -> InstitutionPayload:
        actor = info.context.actor()
        result, errors = await attempt(
            lambda: info.context.app.parties.reinstate(actor, institution_id, reason=reason, on=on)
        )
        return InstitutionPayload(
            institution=InstitutionType.of(result) if result else None, user_errors=errors
        )

    @strawberry.mutation(description="Operator or institution: register a firm (USCC checked).")
    async def register_firm(
        self,
        info: Info[Context, None],
        name: str,
        uscc: str,
        sector: str,
        annual_revenue: MoneyInput,
        innovation_tier: int | None = None,
    ) -> FirmPayload:
        actor = info.context.actor()

        async def work() -> object:
            return await info.context.app.parties.register_firm(
                actor,
                name=name,
                uscc=uscc,
                sector=sector,
                annual_revenue=annual_revenue.to_money(),
                innovation_tier=innovation_tier,
            )

        result, errors = await attempt(work)
        return FirmPayload(firm=FirmType.of(result) if result else None, user_errors=errors)  # type: ignore[arg-type]
