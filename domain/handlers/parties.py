"""Handlers of institutions and firms: registration, suspension, reinstatement, assessment."""

from __future__ import annotations

from riskpool.domain.commands.parties import (
    Assessed,
    AssessSuspension,
    RegisterFirm,
    RegisterInstitution,
    ReinstateInstitution,
    SuspendInstitution,
)
from riskpool.domain.handlers.common import is_party, not_found
from riskpool.domain.handlers.ports import UnitOfWork
from riskpool.domain.model.claim import compensated_principal_by_loan
from riskpool.domain.model.parties import Actor, Firm, Institution, Role
from riskpool.domain.model.policies_shipped import SHIPPED_POLICIES
from riskpool.domain.model.suspension import apply_assessment, assess
from riskpool.domain.model.uscc import normalize_uscc, validate_uscc
from riskpool.domain.permissions import Operation, authorize
from riskpool.errors import ErrorCode, RiskpoolError


async def register_institution(
    cmd: RegisterInstitution, actor: Actor, uow: UnitOfWork
) -> Institution:
    authorize(actor, Operation.INSTITUTION_REGISTER)
    institution = Institution(name=cmd.name, kind=cmd.kind, cooperating_since=cmd.cooperating_since)
    return await uow.institutions.add(institution)


async def register_firm(cmd: RegisterFirm, actor: Actor, uow: UnitOfWork) -> Firm:
    authorize(actor, Operation.FIRM_REGISTER)
    code = normalize_uscc(cmd.uscc)
    validate_uscc(code)
    firm = Firm(
        name=cmd.name,
        uscc=code,
        sector=cmd.sector,
        annual_revenue=cmd.annual_revenue,
        innovation_tier=cmd.innovation_tier,
    )
    try:
        return await uow.firms.add(firm)
    except RiskpoolError as refused:
        if refused.code is not ErrorCode.DUPLICATE or actor.role is not Role.INSTITUTION:
            raise
        # Issue 15: a duplicate USCC is not confirmed to an institution (it would learn
        # that a firm it may not see borrows in the pool). It is refused as the
        # registration it is, without saying why; the operator can tell it.
        raise RiskpoolError(
            ErrorCode.VALIDATION,
            "this USCC cannot be registered by an institution: ask the fund's operator",
            field="uscc",
        ) from None


async def suspend_institution(
    cmd: SuspendInstitution, actor: Actor, uow: UnitOfWork
) -> Institution:
    authorize(actor, Operation.INSTITUTION_SUSPEND)
    institution = await uow.institutions.get(cmd.institution_id, lock=True)
    institution.suspend(cmd.reason, uow.business_dates().today, by=actor)
    await uow.institutions.save(institution)
    return institution


async def reinstate_institution(
    cmd: ReinstateInstitution, actor: Actor, uow: UnitOfWork
) -> Institution:
    authorize(actor, Operation.INSTITUTION_REINSTATE)
    institution = await uow.institutions.get(cmd.institution_id, lock=True)
    institution.reinstate(uow.business_dates().today, actor, cmd.reason)
    await uow.institutions.save(institution)
    return institution


async def assess_suspension(cmd: AssessSuspension, actor: Actor, uow: UnitOfWork) -> Assessed:
    """Compute the loss rate; suspend above the threshold in force (not when an
    institution assesses itself: that is a read for it)."""
    authorize(actor, Operation.INSTITUTION_ASSESS)
    if not is_party(actor, cmd.institution_id):  # another tenant: as if it did not exist
        raise not_found("institution", cmd.institution_id)
    institution = await uow.institutions.get(cmd.institution_id, lock=True)
    loans = await uow.loans.for_institution(cmd.institution_id)
    claims = await uow.claims.for_loans([loan.id for loan in loans if loan.id])
    today = uow.business_dates().today
    policy = SHIPPED_POLICIES.in_force(today)
    assessment = assess(institution, loans, compensated_principal_by_loan(claims), policy, today)
    if actor.role is not Role.INSTITUTION and apply_assessment(institution, assessment):
        await uow.institutions.save(institution)
    return Assessed(assessment, institution)
