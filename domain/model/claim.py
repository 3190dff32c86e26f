"""Compensation claims as an explicit state machine with an append-only audit trail.

The workflow is the seed's (section 3)::

    SUBMITTED ─commission_audit→ AUDIT_COMMISSIONED ─record_audit→ AUDITED
      ─review→ REVIEWED ─approve→ APPROVED ─pay→ PAID
    reject:   AUDIT_COMMISSIONED | AUDITED | REVIEWED → REJECTED  (with a reason)
    withdraw: SUBMITTED … REVIEWED → WITHDRAWN                     (claimant only)

Why a data table (:data:`TRANSITIONS`) instead of ``if`` chains: the table is
the rulebook an auditor reads and the tests enumerate exhaustively — every
state × action × role is either one row's permission or a precise refusal.

Why the state is *derived* from the trail: the trail is the audit record, so
it cannot disagree with the state; ``claim.state`` is the last record's target.

The joint review (市科技局商市财政局审核): the science bureau performs the
``review`` action, and the evidence must carry the finance bureau's
concurrence — a :class:`Concurrence` naming a ``FINANCE_BUREAU`` actor and the
reference of its concurrence letter. One action with two signatures keeps the
state machine linear (no half-reviewed state) while recording both bureaus;
either bureau may refuse, so both may ``reject`` at that stage.

Guard order (so refusals are predictable): role not allowed for the action
at all → ``FORBIDDEN``; no row for the current state → ``INVALID_TRANSITION``;
role not allowed at this stage, or not the claimant → ``FORBIDDEN``; bad
timestamp → ``VALIDATION``; missing evidence or reason → ``MISSING_EVIDENCE``.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime

from moneyed import Money

from riskpool.domain.model.compensation import compute_compensation
from riskpool.domain.model.dates import business_date, require_aware
from riskpool.domain.model.loan import Loan
from riskpool.domain.model.money import require_amount
from riskpool.domain.model.parties import Actor, Institution, Role
from riskpool.domain.model.policy import LoanType, Policy
from riskpool.domain.model.text import MAX_REASON, MAX_REFERENCE, optional_text, require_text
from riskpool.domain.permissions import Operation
from riskpool.domain.permissions import roles_for as permitted_roles
from riskpool.errors import ErrorCode, RiskpoolError


class ClaimState(enum.StrEnum):
    SUBMITTED = "SUBMITTED"
    AUDIT_COMMISSIONED = "AUDIT_COMMISSIONED"
    AUDITED = "AUDITED"
    REVIEWED = "REVIEWED"
    APPROVED = "APPROVED"
    PAID = "PAID"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES

    @property
    def is_open(self) -> bool:
        """Open claims block a new claim on the same loan."""
        return self not in TERMINAL_STATES


TERMINAL_STATES: frozenset[ClaimState] = frozenset(
    {ClaimState.PAID, ClaimState.REJECTED, ClaimState.WITHDRAWN}
)


class ClaimAction(enum.StrEnum):
    SUBMIT = "SUBMIT"
    COMMISSION_AUDIT = "COMMISSION_AUDIT"
    RECORD_AUDIT = "RECORD_AUDIT"
    REVIEW = "REVIEW"
    APPROVE = "APPROVE"
    PAY = "PAY"
    REJECT = "REJECT"
    WITHDRAW = "WITHDRAW"


@dataclass(frozen=True, slots=True)
class Concurrence:
    """The finance bureau's sign-off on a science-bureau review (``reference``: its letter)."""

    actor: Actor
    reference: str

    def __post_init__(self) -> None:
        require_text(
            self.reference, "evidence.finance_concurrence.reference", max_length=MAX_REFERENCE
        )


@dataclass(frozen=True, slots=True)
class Evidence:
    """Documents attached to a transition; which ones are required is in :data:`TRANSITIONS`.

    Attributes:
        documents: reference of the claim package (申请资料) the institution uploaded.
        audit_report_ref: the third-party audit report's reference.
        audited_principal_loss: the principal loss the auditor established.
        review_opinion: the science bureau's review opinion (审核意见).
        finance_concurrence: the finance bureau's concurrence in the review.
        approval_document_no: number of the city government's approval.
        payment_reference: the bank transfer reference of the payout.
    """

    documents: str | None = None
    audit_report_ref: str | None = None
    audited_principal_loss: Money | None = None
    review_opinion: str | None = None
    finance_concurrence: Concurrence | None = None
    approval_document_no: str | None = None
    payment_reference: str | None = None

    def __post_init__(self) -> None:
        for name, limit, multiline in _EVIDENCE_TEXT:
            optional_text(
                getattr(self, name), f"evidence.{name}", max_length=limit, multiline=multiline
            )

    def provided(self) -> frozenset[str]:
        """Names of the fields that carry something (blank strings do not count)."""
        names: set[str] = set()
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            names.add(f.name)
        return frozenset(names)


EVIDENCE_FIELDS: frozenset[str] = frozenset(f.name for f in fields(Evidence))

_EVIDENCE_TEXT: tuple[tuple[str, int, bool], ...] = (
    ("documents", MAX_REASON, True),
    ("audit_report_ref", MAX_REFERENCE, False),
    ("review_opinion", MAX_REASON, True),
    ("approval_document_no", MAX_REFERENCE, False),
    ("payment_reference", MAX_REFERENCE, False),
)
"""Evidence's text fields: (name, longest, may span lines)."""


@dataclass(frozen=True, slots=True)
class TransitionRule:
    """One row of the rulebook: ``action`` from ``source`` leads to ``target``.

    ``source`` is ``None`` for ``SUBMIT`` (the claim does not exist yet).
    ``operation``: the row of the permission table (:mod:`riskpool.domain.permissions`)
    that says who may do it, and ``roles`` is read from that row, so the
    workflow and the table cannot disagree; ``evidence``: :class:`Evidence`
    fields that must be present; ``requires_reason``: a free-text reason is
    mandatory; ``claimant_only``: an institution actor must be the claimant itself.
    """

    action: ClaimAction
    source: ClaimState | None
    target: ClaimState
    operation: Operation
    roles: frozenset[Role]
    evidence: frozenset[str] = frozenset()
    requires_reason: bool = False
    claimant_only: bool = False


def _rule(
    action: ClaimAction,
    source: ClaimState | None,
    target: ClaimState,
    operation: Operation,
    evidence: Iterable[str] = (),
    *,
    requires_reason: bool = False,
    claimant_only: bool = False,
) -> TransitionRule:
    return TransitionRule(
        action,
        source,
        target,
        operation,
        permitted_roles(operation),
        frozenset(evidence),
        requires_reason,
        claimant_only,
    )


_S = ClaimState
_A = ClaimAction
_O = Operation
_OPEN_BEFORE_APPROVAL = (_S.SUBMITTED, _S.AUDIT_COMMISSIONED, _S.AUDITED, _S.REVIEWED)

TRANSITIONS: tuple[TransitionRule, ...] = (
    _rule(_A.SUBMIT, None, _S.SUBMITTED, _O.CLAIM_SUBMIT, ["documents"], claimant_only=True),
    _rule(_A.COMMISSION_AUDIT, _S.SUBMITTED, _S.AUDIT_COMMISSIONED, _O.CLAIM_COMMISSION_AUDIT),
    _rule(
        _A.RECORD_AUDIT,
        _S.AUDIT_COMMISSIONED,
        _S.AUDITED,
        _O.CLAIM_RECORD_AUDIT,
        ["audit_report_ref", "audited_principal_loss"],
    ),
    _rule(
        _A.REVIEW,
        _S.AUDITED,
        _S.REVIEWED,
        _O.CLAIM_REVIEW,
        ["review_opinion", "finance_concurrence"],
    ),
    _rule(_A.APPROVE, _S.REVIEWED, _S.APPROVED, _O.CLAIM_APPROVE, ["approval_document_no"]),
    _rule(_A.PAY, _S.APPROVED, _S.PAID, _O.CLAIM_PAY, ["payment_reference"]),
    _rule(
        _A.REJECT,
        _S.AUDIT_COMMISSIONED,
        _S.REJECTED,
        _O.CLAIM_REJECT_AT_AUDIT,
        requires_reason=True,
    ),
    _rule(_A.REJECT, _S.AUDITED, _S.REJECTED, _O.CLAIM_REJECT_AT_REVIEW, requires_reason=True),
    _rule(_A.REJECT, _S.REVIEWED, _S.REJECTED, _O.CLAIM_REJECT_AT_APPROVAL, requires_reason=True),
    *(
        _rule(_A.WITHDRAW, source, _S.WITHDRAWN, _O.CLAIM_WITHDRAW, claimant_only=True)
        for source in _OPEN_BEFORE_APPROVAL
    ),
)
"""The complete rulebook; anything not listed is refused."""

_BY_KEY: dict[tuple[ClaimAction, ClaimState | None], TransitionRule] = {
    (r.action, r.source): r for r in TRANSITIONS
}
assert len(_BY_KEY) == len(TRANSITIONS), "one row per (action, source)"


def find_rule(action: ClaimAction, source: ClaimState | None) -> TransitionRule | None:
    """The row for ``action`` from ``source``, or ``None`` if the move is not allowed."""
    return _BY_KEY.get((action, source))


def roles_for(action: ClaimAction) -> frozenset[Role]:
    """Every role that may perform ``action`` at some stage."""
    return frozenset(role for r in TRANSITIONS if r.action is action for role in r.roles)


@dataclass(frozen=True, slots=True)
class ClaimEvent:
    """One step of a claim's trail: who moved it from where to where, when, on what evidence.

    ``amount`` is the money figure the step fixed: the claimed principal on
    ``SUBMIT``, the computed compensation on ``RECORD_AUDIT``, the paid amount
    on ``PAY``; ``None`` otherwise.
    """

    seq: int
    action: ClaimAction
    source: ClaimState | None
    target: ClaimState
    actor: Actor
    at: datetime
    evidence: Evidence
    reason: str | None = None
    amount: Money | None = None

    def __post_init__(self) -> None:
        optional_text(self.reason, "reason", max_length=MAX_REASON, multiline=True)


class Claim:
    """An institution's claim for compensation of one pool loan's principal loss.

    ``policy`` is the policy the loan entered the pool under (新老划断); the
    compensation is computed from it when the audit is recorded, with
    ``innovation_tier`` — the firm's tier when the loan entered the pool — for
    a policy that raises the ratio by tier.
    Rehydrate with the constructor (the trail decides the state); create with
    :meth:`submit`; move with the action methods or :meth:`apply`.
    """

    def __init__(
        self,
        *,
        loan_id: int,
        claimant_id: int,
        loan_type: LoanType,
        policy: Policy,
        claimed_principal: Money,
        trail: Iterable[ClaimEvent],
        id: int | None = None,
        innovation_tier: int | None = None,
    ) -> None:
        require_amount(claimed_principal, "claimed_principal")
        events = tuple(trail)
        if not events or events[0].action is not ClaimAction.SUBMIT:
            raise RiskpoolError(ErrorCode.VALIDATION, "a claim's trail starts with SUBMIT")
        for prev, event in itertools.pairwise(events):
            if event.source is not prev.target or event.seq != prev.seq + 1:
                raise RiskpoolError(ErrorCode.VALIDATION, "broken claim trail", field="trail")
        self.id = id
        self.loan_id = loan_id
        self.claimant_id = claimant_id
        self.loan_type = LoanType(loan_type)
        self.policy = policy
        self.claimed_principal = claimed_principal
        self.innovation_tier = innovation_tier
        self._trail: list[ClaimEvent] = list(events)

    def __repr__(self) -> str:
        return f"Claim(id={self.id!r}, loan={self.loan_id}, state={self.state})"

    # -- derived --------------------------------------------------------------

    @property
    def trail(self) -> tuple[ClaimEvent, ...]:
        return tuple(self._trail)

    @property
    def state(self) -> ClaimState:
        return self._trail[-1].target

    @property
    def submitted_at(self) -> datetime:
        return self._trail[0].at

    def _event(self, action: ClaimAction) -> ClaimEvent | None:
        return next((e for e in self._trail if e.action is action), None)

    @property
    def audited_principal_loss(self) -> Money | None:
        event = self._event(ClaimAction.RECORD_AUDIT)
        return event.evidence.audited_principal_loss if event is not None else None

    @property
    def compensation(self) -> Money | None:
        """The compensation computed at audit; ``None`` before the audit."""
        event = self._event(ClaimAction.RECORD_AUDIT)
        return event.amount if event is not None else None

    @property
    def paid_amount(self) -> Money | None:
        event = self._event(ClaimAction.PAY)
        return event.amount if event is not None else None

    # -- creation -------------------------------------------------------------

    @classmethod
    def submit(
        cls,
        *,
        loan: Loan,
        claimant: Institution,
        policy: Policy,
        actor: Actor,
        at: datetime,
        claimed_principal: Money,
        evidence: Evidence,
        prior_claims: Iterable[Claim],
    ) -> Claim:
        """File a claim (seed steps 1–3); ``prior_claims`` are all earlier claims on ``loan``.

        Refusals, in order: FORBIDDEN (not an institution user, not the
        party bearing the loss, acting for another institution); VALIDATION
        (naive ``at``, unsaved loan, wrong policy for the loan);
        POLICY_VIOLATION (loan not in the pool); INSTITUTION_SUSPENDED;
        ALREADY_COMPENSATED (a paid or open claim exists, or more than the
        outstanding principal is claimed); TRIGGER_NOT_MET; PREPAYMENT_REQUIRED
        (guaranteed loan whose prepayments do not cover the claim);
        MISSING_EVIDENCE.
        """
        rule = find_rule(ClaimAction.SUBMIT, None)
        assert rule is not None
        if actor.role not in rule.roles:
            raise RiskpoolError(
                ErrorCode.FORBIDDEN, f"{actor.role} may not file claims", field="actor"
            )
        if claimant.id != loan.claimant_id:
            raise RiskpoolError(
                ErrorCode.FORBIDDEN,
                "only the party bearing the loss may claim: the bank for bank-direct loans, "
                "the guarantee company for guaranteed loans",
                field="claimant",
            )
        if actor.institution_id != claimant.id:
            raise RiskpoolError(
                ErrorCode.FORBIDDEN, "actor does not act for the claimant", field="actor"
            )
        on = business_date(at)
        if loan.id is None:
            raise RiskpoolError(ErrorCode.VALIDATION, "the loan is not persisted", field="loan")
        if loan.pool_entry is None:
            raise RiskpoolError(
                ErrorCode.POLICY_VIOLATION, "the loan is not in the pool", field="loan.pool_entry"
            )
        if policy.code != loan.pool_entry.policy_code:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"the loan entered the pool under {loan.pool_entry.policy_code}, not {policy.code}",
                field="policy",
            )
        if not claimant.is_active:
            raise RiskpoolError(
                ErrorCode.INSTITUTION_SUSPENDED,
                f"{claimant.name} is suspended; compensation is suspended",
                field="claimant",
            )
        for prior in prior_claims:
            if prior.loan_id != loan.id:
                raise RiskpoolError(
                    ErrorCode.VALIDATION, "prior claim of another loan", field="prior_claims"
                )
            if prior.state is ClaimState.PAID or prior.state.is_open:
                raise RiskpoolError(
                    ErrorCode.ALREADY_COMPENSATED,
                    f"claim {prior.id} on this loan is {prior.state}",
                    field="loan",
                )
        require_amount(claimed_principal, "claimed_principal")
        outstanding = loan.outstanding(on)
        if claimed_principal > outstanding:
            raise RiskpoolError(
                ErrorCode.ALREADY_COMPENSATED,
                f"claimed {claimed_principal} exceeds the outstanding principal {outstanding}",
                field="claimed_principal",
            )
        if not policy.trigger.is_met(
            days_overdue=loan.days_overdue(on), lawsuit_filed_on=loan.lawsuit_filed_on, on=on
        ):
            raise RiskpoolError(
                ErrorCode.TRIGGER_NOT_MET,
                f"on {on} the loan is {loan.days_overdue(on)} days overdue (needs more than "
                f"{policy.trigger.days_overdue_more_than}) and no lawsuit is recorded",
                field="loan",
            )
        if loan.loan_type is LoanType.GUARANTEED and loan.prepaid(on) < claimed_principal:
            raise RiskpoolError(
                ErrorCode.PREPAYMENT_REQUIRED,
                f"the guarantor prepaid {loan.prepaid(on)} to the bank, less than the "
                f"claimed {claimed_principal}",
                field="claimed_principal",
            )
        _require_evidence(rule, evidence, None)
        event = ClaimEvent(
            seq=1,
            action=ClaimAction.SUBMIT,
            source=None,
            target=rule.target,
            actor=actor,
            at=at,
            evidence=evidence,
            amount=claimed_principal,
        )
        return cls(
            loan_id=loan.id,
            claimant_id=claimant.id,
            loan_type=loan.loan_type,
            policy=policy,
            claimed_principal=claimed_principal,
            trail=[event],
            innovation_tier=loan.pool_entry.innovation_tier,
        )

    # -- transitions ----------------------------------------------------------

    def apply(
        self,
        action: ClaimAction,
        actor: Actor,
        at: datetime,
        evidence: Evidence | None = None,
        reason: str | None = None,
    ) -> ClaimEvent:
        """Perform ``action`` per :data:`TRANSITIONS`, append the trail record and return it."""
        evidence = evidence if evidence is not None else Evidence()
        if actor.role not in roles_for(action):
            raise RiskpoolError(
                ErrorCode.FORBIDDEN, f"{actor.role} may not {action} claims", field="actor"
            )
        rule = find_rule(action, self.state)
        if rule is None:
            raise RiskpoolError(
                ErrorCode.INVALID_TRANSITION, f"cannot {action} a {self.state} claim", field="state"
            )
        if actor.role not in rule.roles:
            raise RiskpoolError(
                ErrorCode.FORBIDDEN,
                f"{actor.role} may not {action} a {self.state} claim",
                field="actor",
            )
        if rule.claimant_only and actor.institution_id != self.claimant_id:
            raise RiskpoolError(
                ErrorCode.FORBIDDEN, "only the claimant institution may do this", field="actor"
            )
        require_aware(at)
        if at < self._trail[-1].at:
            raise RiskpoolError(
                ErrorCode.VALIDATION, "a trail record cannot predate the previous one", field="at"
            )
        _require_evidence(rule, evidence, reason)
        amount: Money | None = None
        if action is ClaimAction.RECORD_AUDIT:
            amount = self._assess(evidence)
        elif action is ClaimAction.REVIEW:
            concurrence = evidence.finance_concurrence
            assert concurrence is not None  # _require_evidence
            if concurrence.actor.role is not Role.FINANCE_BUREAU:
                raise RiskpoolError(
                    ErrorCode.FORBIDDEN,
                    "the concurrence must come from the finance bureau",
                    field="evidence.finance_concurrence",
                )
        elif action is ClaimAction.PAY:
            amount = self.compensation
        event = ClaimEvent(
            seq=self._trail[-1].seq + 1,
            action=action,
            source=self.state,
            target=rule.target,
            actor=actor,
            at=at,
            evidence=evidence,
            reason=reason.strip() if reason else None,
            amount=amount,
        )
        self._trail.append(event)
        return event

    def _assess(self, evidence: Evidence) -> Money:
        loss = evidence.audited_principal_loss
        assert loss is not None  # _require_evidence
        require_amount(loss, "evidence.audited_principal_loss")
        if loss > self.claimed_principal:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"audited loss {loss} exceeds the claimed principal {self.claimed_principal}",
                field="evidence.audited_principal_loss",
            )
        return compute_compensation(
            self.policy, self.loan_type, loss, innovation_tier=self.innovation_tier
        ).amount

    def commission_audit(
        self, actor: Actor, at: datetime, evidence: Evidence | None = None
    ) -> ClaimEvent:
        """The operator commissions the third-party audit (seed step 4)."""
        return self.apply(ClaimAction.COMMISSION_AUDIT, actor, at, evidence)

    def record_audit(self, actor: Actor, at: datetime, evidence: Evidence) -> ClaimEvent:
        """The auditor reports; the compensation is computed here from the audited loss."""
        return self.apply(ClaimAction.RECORD_AUDIT, actor, at, evidence)

    def review(self, actor: Actor, at: datetime, evidence: Evidence) -> ClaimEvent:
        """The science bureau reviews, with the finance bureau's concurrence (step 5)."""
        return self.apply(ClaimAction.REVIEW, actor, at, evidence)

    def approve(self, actor: Actor, at: datetime, evidence: Evidence) -> ClaimEvent:
        """The city government approves (step 6)."""
        return self.apply(ClaimAction.APPROVE, actor, at, evidence)

    def pay(self, actor: Actor, at: datetime, evidence: Evidence) -> ClaimEvent:
        """The operator pays the computed compensation from the pool (step 7)."""
        return self.apply(ClaimAction.PAY, actor, at, evidence)

    def reject(
        self, actor: Actor, at: datetime, reason: str, evidence: Evidence | None = None
    ) -> ClaimEvent:
        """Reject at audit, review or approval, by the role acting at that stage."""
        return self.apply(ClaimAction.REJECT, actor, at, evidence, reason)

    def withdraw(self, actor: Actor, at: datetime, reason: str | None = None) -> ClaimEvent:
        """The claimant withdraws its claim, any time before approval."""
        return self.apply(ClaimAction.WITHDRAW, actor, at, None, reason)


def _require_evidence(rule: TransitionRule, evidence: Evidence, reason: str | None) -> None:
    missing = sorted(rule.evidence - evidence.provided())
    if missing:
        raise RiskpoolError(
            ErrorCode.MISSING_EVIDENCE,
            f"{rule.action} needs evidence: {', '.join(missing)}",
            field=f"evidence.{missing[0]}",
        )
    if rule.requires_reason and not (reason and reason.strip()):
        raise RiskpoolError(
            ErrorCode.MISSING_EVIDENCE, f"{rule.action} needs a reason", field="reason"
        )


def compensated_principal_by_loan(claims: Iterable[Claim]) -> dict[int, Money]:
    """Audited principal loss of every *paid* claim, keyed by loan id.

    The figure :mod:`riskpool.domain.model.suspension` counts as compensated.
    """
    result: dict[int, Money] = {}
    for claim in claims:
        loss = claim.audited_principal_loss
        if claim.state is ClaimState.PAID and loss is not None:
            result[claim.loan_id] = loss
    return result
