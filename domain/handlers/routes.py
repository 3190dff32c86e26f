"""The route table: every command, its handler, and how a keyed result is replayed."""

from __future__ import annotations

from typing import Any

from riskpool.domain.commands import claims as c
from riskpool.domain.commands import funds as f
from riskpool.domain.commands import guarantees as g
from riskpool.domain.commands import innovation as i
from riskpool.domain.commands import loans as lo
from riskpool.domain.commands import parties as p
from riskpool.domain.commands.funds import Posted
from riskpool.domain.handlers import claims, funds, guarantees, innovation, loans, parties
from riskpool.domain.handlers.bus import Memory, Route
from riskpool.domain.handlers.ports import UnitOfWork
from riskpool.domain.model.claim import Claim
from riskpool.domain.model.innovation.catalogue import Catalogue
from riskpool.domain.model.innovation.runs import ScoredRun
from riskpool.domain.model.innovation.submission import Submission
from riskpool.domain.model.loan import Loan
from riskpool.domain.model.parties import Firm, Institution


def _id(value: int | None) -> int:
    assert value is not None, "a stored record has an id"
    return value


async def _institution(stored: dict[str, Any], uow: UnitOfWork) -> Institution:
    return await uow.institutions.get(int(stored["institution_id"]))


async def _firm(stored: dict[str, Any], uow: UnitOfWork) -> Firm:
    return await uow.firms.get(int(stored["firm_id"]))


async def _loan(stored: dict[str, Any], uow: UnitOfWork) -> Loan:
    return await uow.loans.get(int(stored["loan_id"]))


async def _claim(stored: dict[str, Any], uow: UnitOfWork) -> Claim:
    return await uow.claims.get(int(stored["claim_id"]))


async def _entries(stored: dict[str, Any], uow: UnitOfWork) -> Posted:
    ids = [int(n) for n in stored["entry_ids"]]
    found = await uow.ledger.entries_by_id(ids)
    return tuple(found[n] for n in ids)


async def _catalogue(stored: dict[str, Any], uow: UnitOfWork) -> Catalogue:
    return await uow.innovation.catalogue(str(stored["catalogue_version"]))


async def _submission(stored: dict[str, Any], uow: UnitOfWork) -> Submission:
    return await uow.innovation.submission(int(stored["submission_id"]))


async def _scored(stored: dict[str, Any], uow: UnitOfWork) -> ScoredRun:
    return await uow.innovation.scored_run(int(stored["run_id"]))


INSTITUTION: Memory[Institution] = Memory(lambda r: {"institution_id": _id(r.id)}, _institution)
FIRM: Memory[Firm] = Memory(lambda r: {"firm_id": _id(r.id)}, _firm)
LOAN: Memory[Loan] = Memory(lambda r: {"loan_id": _id(r.id)}, _loan)
CLAIM: Memory[Claim] = Memory(lambda r: {"claim_id": _id(r.id), "seq": r.trail[-1].seq}, _claim)
ENTRIES: Memory[Posted] = Memory(lambda r: {"entry_ids": [e.id for e in r]}, _entries)
CATALOGUE: Memory[Catalogue] = Memory(lambda r: {"catalogue_version": r.version}, _catalogue)
SUBMISSION: Memory[Submission] = Memory(lambda r: {"submission_id": _id(r.id)}, _submission)
SCORED: Memory[ScoredRun] = Memory(lambda r: {"run_id": r.run.id}, _scored)

ROUTES: dict[type[Any], Route[Any, Any]] = {
    # parties
    p.RegisterInstitution: Route(parties.register_institution, INSTITUTION),
    p.RegisterFirm: Route(parties.register_firm, FIRM),
    p.SuspendInstitution: Route(parties.suspend_institution),
    p.ReinstateInstitution: Route(parties.reinstate_institution),
    p.AssessSuspension: Route(parties.assess_suspension),
    # loans
    lo.GrantLoan: Route(loans.grant_loan, LOAN),
    lo.EnterPool: Route(loans.enter_pool, LOAN),
    lo.DisburseLoan: Route(loans.disburse_loan, LOAN),
    lo.RepayLoan: Route(loans.repay_loan, LOAN),
    lo.RecordPrepayment: Route(loans.record_prepayment, LOAN),
    lo.RecordRecovery: Route(loans.record_recovery, LOAN),
    lo.MarkOverdue: Route(loans.mark_overdue, LOAN),
    lo.MarkCurrent: Route(loans.mark_current),
    lo.RecordLawsuit: Route(loans.record_lawsuit, LOAN),
    g.AcceptGuarantee: Route(guarantees.accept_guarantee, LOAN),
    # claims
    c.SubmitClaim: Route(claims.submit_claim, CLAIM),
    c.CommissionAudit: Route(claims.take_step, CLAIM),
    c.RecordAudit: Route(claims.take_step, CLAIM),
    c.ReviewClaim: Route(claims.take_step, CLAIM),
    c.ApproveClaim: Route(claims.take_step, CLAIM),
    c.PayClaim: Route(claims.take_step, CLAIM),
    c.RejectClaim: Route(claims.take_step, CLAIM),
    c.WithdrawClaim: Route(claims.take_step, CLAIM),
    # funds
    f.SetUpChart: Route(funds.set_up_chart),
    f.ReserveTranche: Route(funds.post_reserve_tranche, ENTRIES),
    f.AllocateFunds: Route(funds.allocate_funds, ENTRIES),
    f.TopUp: Route(funds.top_up, ENTRIES),
    f.SettlementTopUp: Route(funds.settlement_top_up, ENTRIES),
    f.TransferReserveToPool: Route(funds.transfer_reserve_to_pool, ENTRIES),
    f.RecordInterest: Route(funds.record_interest, ENTRIES),
    f.ChargeManagementFee: Route(funds.charge_management_fee, ENTRIES),
    # innovation points
    i.DefineLocalIndicator: Route(innovation.define_local_indicator, CATALOGUE),
    i.SubmitIndicators: Route(innovation.submit_indicators, SUBMISSION),
    i.RunScoring: Route(innovation.run_scoring, SCORED),
}
"""Every command and its handler; a command type missing here is refused by the bus
(a test asserts that every command class has a route)."""
