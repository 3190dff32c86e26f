"""A guarantor's acceptance of a loan it is named on.

Why: a bank names the guarantee company on the loan it grants, and the
guarantee binds that company (its prepayment, its share of a loss). Naming
alone must not bind it (issue 15: "a bank named another guarantor without its
consent"), so a guaranteed loan enters the pool only once the guarantor itself
has accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from riskpool.domain.model.loan import Loan
from riskpool.domain.model.parties import Actor, Role
from riskpool.errors import ErrorCode, RiskpoolError


@dataclass(frozen=True, slots=True)
class GuaranteeAcceptance:
    loan_id: int
    guarantor_id: int
    actor_subject: str
    accepted_at: datetime


def accept(loan: Loan, actor: Actor, at: datetime) -> GuaranteeAcceptance:
    """The guarantor's acceptance of ``loan``; only the named guarantor's own user may give it."""
    if loan.guarantor_id is None:
        raise RiskpoolError(
            ErrorCode.VALIDATION, "a bank-direct loan has no guarantor", field="loanId"
        )
    if actor.role is not Role.INSTITUTION or actor.institution_id != loan.guarantor_id:
        raise RiskpoolError(
            ErrorCode.FORBIDDEN, "only the named guarantor may accept its guarantee"
        )
    assert loan.id is not None
    return GuaranteeAcceptance(loan.id, loan.guarantor_id, actor.subject, at)


def require_accepted(loan: Loan, accepted: bool) -> None:
    """Refuse pool entry of a guaranteed loan its guarantor has not accepted."""
    if loan.guarantor_id is not None and not accepted:
        raise RiskpoolError(
            ErrorCode.GUARANTEE_NOT_ACCEPTED,
            "the guarantor has not accepted this loan's guarantee yet",
            field="loanId",
        )
