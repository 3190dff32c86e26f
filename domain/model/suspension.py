"""An institution's loss rate and the suspension of its compensation.

Definition (our reading of "逾期率或损失率", documented so it can be argued with):
for every pool loan whose loss the institution bears (the bank for
bank-direct loans, the guarantee company for guaranteed ones), on a date::

    compensated loan (a PAID claim):  bad = base = audited principal loss
    other loan:                       base = outstanding principal
                                      bad  = base if the claim trigger holds
                                             (overdue > trigger days, or sued),
                                             else 0
    loss rate = Σ bad / Σ base                 (0 when Σ base = 0)

Why compensated loans count with their compensated principal rather than
their outstanding one: after compensation the borrower still owes the money,
so counting both would put the same principal in the base twice.

The rate *above* the policy's threshold (strictly) suspends the institution,
with the rate and threshold written into the recorded reason. Nothing here
ever reinstates: that is :meth:`Institution.reinstate`, an explicit decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from moneyed import Money

from riskpool.domain.model.loan import Loan
from riskpool.domain.model.money import zero
from riskpool.domain.model.parties import Institution, StatusChange
from riskpool.domain.model.policy import Policy
from riskpool.errors import ErrorCode, RiskpoolError


@dataclass(frozen=True, slots=True)
class LossRate:
    """The loss rate of one institution on one date, with its numerator and denominator."""

    institution_id: int
    on: date
    bad: Money
    base: Money
    loans_counted: int

    @property
    def rate(self) -> Decimal:
        if self.base.amount == 0:
            return Decimal(0)
        return self.bad.amount / self.base.amount


def loss_rate(
    institution_id: int,
    loans: Iterable[Loan],
    compensated: Mapping[int, Money],
    policy: Policy,
    on: date,
) -> LossRate:
    """Compute the loss rate (see the module docstring) over ``loans``.

    ``loans`` may contain other institutions' loans and loans outside the
    pool: only pool loans whose claimant is ``institution_id`` count.
    ``compensated`` maps loan id → compensated principal (see
    :func:`riskpool.domain.model.claim.compensated_principal_by_loan`).
    """
    bad, base, counted = zero(), zero(), 0
    for loan in loans:
        if loan.pool_entry is None or loan.claimant_id != institution_id:
            continue
        if loan.pool_entry.on > on:
            continue
        counted += 1
        paid = compensated.get(loan.id) if loan.id is not None else None
        if paid is not None:
            bad, base = bad + paid, base + paid
            continue
        outstanding = loan.outstanding(on)
        base = base + outstanding
        if policy.trigger.is_met(
            days_overdue=loan.days_overdue(on), lawsuit_filed_on=loan.lawsuit_filed_on, on=on
        ):
            bad = bad + outstanding
    return LossRate(institution_id=institution_id, on=on, bad=bad, base=base, loans_counted=counted)


@dataclass(frozen=True, slots=True)
class SuspensionAssessment:
    """A loss rate compared with the policy's threshold; ``breached`` = rate > threshold."""

    loss_rate: LossRate
    threshold: Decimal
    policy_code: str

    @property
    def breached(self) -> bool:
        return self.loss_rate.rate > self.threshold

    @property
    def reason(self) -> str:
        return (
            f"损失率 {self.loss_rate.rate:.2%} 超过 {self.policy_code} 规定的暂停阈值 "
            f"{self.threshold:.2%}（不良 {self.loss_rate.bad.amount} / "
            f"基数 {self.loss_rate.base.amount} 元，{self.loss_rate.on}）"
        )


def assess(
    institution: Institution,
    loans: Iterable[Loan],
    compensated: Mapping[int, Money],
    policy: Policy,
    on: date,
) -> SuspensionAssessment:
    """Compute ``institution``'s loss rate and compare it with ``policy.suspension_threshold``."""
    if institution.id is None:
        raise RiskpoolError(
            ErrorCode.VALIDATION, "institution is not persisted", field="institution"
        )
    rate = loss_rate(institution.id, loans, compensated, policy, on)
    return SuspensionAssessment(
        loss_rate=rate, threshold=policy.suspension_threshold, policy_code=policy.code
    )


def apply_assessment(
    institution: Institution, assessment: SuspensionAssessment
) -> StatusChange | None:
    """Suspend ``institution`` if the assessment breached and it is still active.

    Returns the recorded change, or ``None`` when nothing changed. A rate back
    under the threshold never reinstates: see the module docstring.
    """
    if assessment.breached and institution.is_active:
        return institution.suspend(assessment.reason, assessment.loss_rate.on)
    return None
