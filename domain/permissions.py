"""Who may do what: the one table of role × operation.

Why one table: a permission checked in three places drifts in three ways (the
hardening review found resolvers, services and an access module disagreeing).
Every use case (handler) and every read (view) asks :func:`authorize` with an
:class:`Operation`; nothing else decides whether a role may act. The claim
workflow's transition table names the same operations, so "who may approve a
claim" is written here and only here.

Institution *scope* (an institution user sees and touches its own rows only)
is the other half of access and is applied by the views and handlers on the
rows themselves; this table only says whether the role may attempt the
operation at all.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from riskpool.domain.model.parties import Actor, Role
from riskpool.errors import ErrorCode, RiskpoolError


class Operation(enum.StrEnum):
    """Everything an actor can ask riskpool to do or to show."""

    # -- parties ------------------------------------------------------------------
    INSTITUTION_REGISTER = "institution.register"
    INSTITUTION_SUSPEND = "institution.suspend"
    INSTITUTION_REINSTATE = "institution.reinstate"
    INSTITUTION_ASSESS = "institution.assess"
    FIRM_REGISTER = "firm.register"
    # -- loans --------------------------------------------------------------------
    LOAN_WRITE = "loan.write"
    """Grant, enter into the pool, disburse, repay, mark overdue/current, lawsuit,
    guarantor prepayment, recovery: the lending institution's own record."""
    # -- claims (the workflow's steps) ----------------------------------------------
    CLAIM_SUBMIT = "claim.submit"
    CLAIM_WITHDRAW = "claim.withdraw"
    CLAIM_COMMISSION_AUDIT = "claim.commission_audit"
    CLAIM_RECORD_AUDIT = "claim.record_audit"
    CLAIM_REJECT_AT_AUDIT = "claim.reject_at_audit"
    CLAIM_REVIEW = "claim.review"
    CLAIM_REJECT_AT_REVIEW = "claim.reject_at_review"
    CLAIM_APPROVE = "claim.approve"
    CLAIM_REJECT_AT_APPROVAL = "claim.reject_at_approval"
    CLAIM_PAY = "claim.pay"
    # -- the fund's money ---------------------------------------------------------
    FUND_CONTRIBUTE = "fund.contribute"
    """Reserve tranches, allocations, top-ups, the settlement top-up, the transfer."""
    FUND_RECORD_INTEREST = "fund.record_interest"
    FUND_CHARGE_FEE = "fund.charge_fee"
    # -- innovation points --------------------------------------------------------
    INNOVATION_DEFINE = "innovation.define"
    INNOVATION_SUBMIT = "innovation.submit"
    INNOVATION_SCORE = "innovation.score"
    # -- reconciliation -----------------------------------------------------------
    RECONCILE = "reconciliation.write"
    HISTORY_IMPORT = "history.import"
    """Load records of the past with their original times (the only way past the
    back-dating window): the operator's migration of a fund's history."""
    """Import statements, run matching, confirm or reject proposals."""
    # -- reads --------------------------------------------------------------------
    READ_PARTIES = "read.parties"
    READ_LOANS = "read.loans"
    READ_CLAIMS = "read.claims"
    READ_STATISTICS = "read.statistics"
    READ_WARNINGS = "read.warnings"
    READ_INNOVATION = "read.innovation"
    READ_LEDGER = "read.ledger"
    READ_RECONCILIATION = "read.reconciliation"
    EXPORT_LEDGER = "export.ledger"


_I = Role.INSTITUTION
_OP = Role.OPERATOR
_AU = Role.AUDITOR
_SB = Role.SCIENCE_BUREAU
_FB = Role.FINANCE_BUREAU
_CG = Role.CITY_GOVERNMENT
_V = Role.VIEWER

_PUBLIC_OFFICES = frozenset({_OP, _AU, _SB, _FB, _CG, _V})
"""Everyone but the institutions: the offices that see the whole pool."""
_EVERYONE = _PUBLIC_OFFICES | {_I}

PERMISSIONS: Mapping[Operation, frozenset[Role]] = {
    Operation.INSTITUTION_REGISTER: frozenset({_OP}),
    Operation.INSTITUTION_SUSPEND: frozenset({_OP, _SB}),
    Operation.INSTITUTION_REINSTATE: frozenset({_OP, _SB}),
    Operation.INSTITUTION_ASSESS: frozenset({_OP, _SB, _I}),
    Operation.FIRM_REGISTER: frozenset({_OP, _I}),
    Operation.LOAN_WRITE: frozenset({_I, _OP}),
    Operation.CLAIM_SUBMIT: frozenset({_I}),
    Operation.CLAIM_WITHDRAW: frozenset({_I}),
    Operation.CLAIM_COMMISSION_AUDIT: frozenset({_OP}),
    Operation.CLAIM_RECORD_AUDIT: frozenset({_AU}),
    Operation.CLAIM_REJECT_AT_AUDIT: frozenset({_AU}),
    Operation.CLAIM_REVIEW: frozenset({_SB}),
    Operation.CLAIM_REJECT_AT_REVIEW: frozenset({_SB, _FB}),
    Operation.CLAIM_APPROVE: frozenset({_CG}),
    Operation.CLAIM_REJECT_AT_APPROVAL: frozenset({_CG}),
    Operation.CLAIM_PAY: frozenset({_OP}),
    Operation.FUND_CONTRIBUTE: frozenset({_FB}),
    Operation.FUND_RECORD_INTEREST: frozenset({_OP, _FB}),
    Operation.FUND_CHARGE_FEE: frozenset({_OP}),
    Operation.INNOVATION_DEFINE: frozenset({_OP}),
    Operation.INNOVATION_SUBMIT: frozenset({_OP, _I}),
    Operation.INNOVATION_SCORE: frozenset({_OP}),
    Operation.RECONCILE: frozenset({_OP}),
    Operation.HISTORY_IMPORT: frozenset({_OP}),
    Operation.READ_PARTIES: _EVERYONE,
    Operation.READ_LOANS: _EVERYONE,
    Operation.READ_CLAIMS: _EVERYONE,
    Operation.READ_STATISTICS: _EVERYONE,
    Operation.READ_WARNINGS: _EVERYONE,
    Operation.READ_INNOVATION: _EVERYONE,
    Operation.READ_LEDGER: _PUBLIC_OFFICES,
    Operation.READ_RECONCILIATION: _PUBLIC_OFFICES,
    Operation.EXPORT_LEDGER: frozenset({_AU, _OP}),
}
"""The whole table; an operation missing here would be refused to everyone
(a test asserts that every operation has a row)."""


def allowed(role: Role, operation: Operation) -> bool:
    return role in PERMISSIONS.get(operation, frozenset())


def authorize(actor: Actor, operation: Operation) -> None:
    """Refuse with ``FORBIDDEN`` unless ``actor``'s role may perform ``operation``."""
    if not allowed(actor.role, operation):
        roles = ", ".join(sorted(r.value.lower() for r in PERMISSIONS.get(operation, ())))
        raise RiskpoolError(
            ErrorCode.FORBIDDEN,
            f"role {actor.role.value.lower()} may not {operation.value} "
            f"(allowed: {roles or 'nobody'})",
        )


def roles_for(operation: Operation) -> frozenset[Role]:
    return PERMISSIONS[operation]
