"""Handler of the guarantor's acceptance of a loan it is named on (issue 15)."""

from __future__ import annotations

from riskpool.domain.commands.guarantees import AcceptGuarantee
from riskpool.domain.handlers.common import hide_unless_party
from riskpool.domain.handlers.ports import UnitOfWork
from riskpool.domain.model.guarantee import accept
from riskpool.domain.model.loan import Loan
from riskpool.domain.model.parties import Actor
from riskpool.domain.permissions import Operation, authorize


async def accept_guarantee(cmd: AcceptGuarantee, actor: Actor, uow: UnitOfWork) -> Loan:
    """Record the guarantor's consent; accepting twice is a no-op (the first stands)."""
    authorize(actor, Operation.LOAN_WRITE)
    loan = await uow.loans.get(cmd.loan_id, lock=True)
    hide_unless_party(actor, "loan", cmd.loan_id, loan.lender_id, loan.guarantor_id)
    acceptance = accept(loan, actor, uow.now())
    if not await uow.guarantees.accepted(cmd.loan_id):
        await uow.guarantees.add(acceptance)
    return loan
