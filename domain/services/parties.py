"""Use cases of institutions and firms: registration, suspension, reinstatement."""

from __future__ import annotations

from datetime import date

from moneyed import Money

from riskpool.domain.claim import compensated_principal_by_loan
from riskpool.domain.parties import Actor, Firm, Institution, InstitutionKind, Role
from riskpool.domain.policies_shipped import SHIPPED_POLICIES
from riskpool.domain.services.base import Service, require_institution, require_role
from riskpool.domain.suspension import SuspensionAssessment, apply_assessment, assess
from riskpool.domain.uscc import normalize_uscc, validate_uscc


class PartyService(Service):
    async def register_institution(
        self, actor: Actor, *, name: str, kind: InstitutionKind, cooperating_since: date | None
    ) -> Institution:
        require_role(actor, Role.OPERATOR)
        institution = Institution(name=name, kind=kind, cooperating_since=cooperating_since)
        async with self.uow() as uow:
            return await uow.institutions.add(institution)

    async def register_firm(
        self,
        actor: Actor,
        *,
        name: str,
        uscc: str,
        sector: str,
        annual_revenue: Money,
        innovation_tier: int | None = None,
    ) -> Firm:
        require_role(actor, Role.OPERATOR, Role.INSTITUTION)
        code = normalize_uscc(uscc)
        validate_uscc(code)
        firm = Firm(
            name=name,
            uscc=code,
            sector=sector,
            annual_revenue=annual_revenue,
            innovation_tier=innovation_tier,
        )
        async with self.uow() as uow:
            return await uow.firms.add(firm)

    async def suspend(
        self, actor: Actor, institution_id: int, *, reason: str, on: date
    ) -> Institution:
        require_role(actor, Role.OPERATOR, Role.SCIENCE_BUREAU)
        async with self.uow() as uow:
            institution = await uow.institutions.get(institution_id, lock=True)
            institution.suspend(reason, on, by=actor)
            await uow.institutions.save(institution)
            return institution

    async def reinstate(
        self, actor: Actor, institution_id: int, *, reason: str, on: date
    ) -> Institution:
        require_role(actor, Role.OPERATOR, Role.SCIENCE_BUREAU)
        async with self.uow() as uow:
            institution = await uow.institutions.get(institution_id, lock=True)
            institution.reinstate(on, actor, reason)
            await uow.institutions.save(institution)
            return institution

    async def get(self, institution_id: int) -> Institution:
        async with self.uow() as uow:
            return await uow.institutions.get(institution_id)

    async def assess_suspension(
        self, actor: Actor, institution_id: int, *, on: date
    ) -> SuspensionAssessment:
        """Compute the institution's loss rate; suspend it if above the threshold in force."""
        require_role(actor, Role.OPERATOR, Role.SCIENCE_BUREAU, Role.INSTITUTION)
        require_institution(actor, institution_id)
        async with self.uow() as uow:
            institution = await uow.institutions.get(institution_id, lock=True)
            loans = await uow.loans.for_institution(institution_id)
            claims = await uow.claims.for_loans([loan.id for loan in loans if loan.id])
            policy = SHIPPED_POLICIES.in_force(on)
            assessment = assess(
                institution, loans, compensated_principal_by_loan(claims), policy, on
            )
            if actor.role is not Role.INSTITUTION and apply_assessment(institution, assessment):
                await uow.institutions.save(institution)
            return assessment
