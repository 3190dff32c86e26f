"""Mutations of institutions and firms: each builds a command and runs it on the bus."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from riskpool.domain.commands import parties as cmd
from riskpool.domain.model.parties import Firm
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.errors import UserError
from riskpool.graphql.core.mutations import attempt
from riskpool.graphql.core.scalars import MoneyInput, MoneyType
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
class SuspensionAssessment:
    institution: InstitutionType | None
    loss_rate: str = strawberry.field(description="Σ bad / Σ base, as a decimal string.")
    bad: MoneyType
    base: MoneyType
    threshold: str
    breached: bool
    policy_code: str


@strawberry.type
class AssessmentPayload:
    assessment: SuspensionAssessment | None
    user_errors: list[UserError]


@strawberry.type
class PartyMutation:
    @strawberry.mutation(
        description="Operator or science bureau: compute an institution's loss rate and suspend "
        "it above the policy's threshold, as of today's business date (an institution may "
        "compute its own, read-only)."
    )
    async def assess_suspension(
        self, info: Info[Context, None], institution_id: int
    ) -> AssessmentPayload:
        actor = info.context.actor()
        app = info.context.app

        async def work() -> SuspensionAssessment:
            assessed = await app.handle(cmd.AssessSuspension(institution_id=institution_id), actor)
            result = assessed.assessment
            return SuspensionAssessment(
                institution=InstitutionType.of(assessed.institution),
                loss_rate=format(result.loss_rate.rate, "f"),
                bad=MoneyType.of(result.loss_rate.bad),
                base=MoneyType.of(result.loss_rate.base),
                threshold=format(result.threshold, "f"),
                breached=result.breached,
                policy_code=result.policy_code,
            )

        assessment, errors = await attempt(work)
        return AssessmentPayload(assessment=assessment, user_errors=errors)

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
            lambda: info.context.app.handle(
                cmd.RegisterInstitution(name=name, kind=kind, cooperating_since=cooperating_since),
                actor,
            )
        )
        return InstitutionPayload(
            institution=InstitutionType.of(result) if result else None, user_errors=errors
        )

    @strawberry.mutation(description="Operator or science bureau: suspend cooperation.")
    async def suspend_institution(
        self, info: Info[Context, None], institution_id: int, reason: str
    ) -> InstitutionPayload:
        actor = info.context.actor()
        result, errors = await attempt(
            lambda: info.context.app.handle(
                cmd.SuspendInstitution(institution_id=institution_id, reason=reason), actor
            )
        )
        return InstitutionPayload(
            institution=InstitutionType.of(result) if result else None, user_errors=errors
        )

    @strawberry.mutation(description="Operator or science bureau: reinstate, explicitly.")
    async def reinstate_institution(
        self, info: Info[Context, None], institution_id: int, reason: str
    ) -> InstitutionPayload:
        actor = info.context.actor()
        result, errors = await attempt(
            lambda: info.context.app.handle(
                cmd.ReinstateInstitution(institution_id=institution_id, reason=reason),
                actor,
            )
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

        async def work() -> Firm:
            command = cmd.RegisterFirm(
                name=name,
                uscc=uscc,
                sector=sector,
                annual_revenue=annual_revenue.to_money(),
                innovation_tier=innovation_tier,
            )
            return await info.context.app.handle(command, actor)

        result, errors = await attempt(work)
        return FirmPayload(firm=FirmType.of(result) if result else None, user_errors=errors)
