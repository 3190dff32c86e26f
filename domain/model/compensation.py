"""The scheme's arithmetic: compensation, recovery returns, the fee cap and the top-up.

Why these are plain functions of values: each figure is published, audited
and disputed, so it must be computed by the domain from recorded inputs —
never typed in — and reproducible by anyone with the same inputs.

Rounding rules (all to the fen, 0.01 CNY):
  * compensation — ``ROUND_DOWN``: the fund never pays more than the policy's
    ratio of the loss; the claimant loses less than one fen at most;
  * recovery return — ``ROUND_HALF_UP`` (四舍五入) on the *cumulative* share,
    so that rounding never accumulates over several recoveries;
  * management-fee allowance — ``ROUND_DOWN``: the cap is a ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from moneyed import Money

from riskpool.domain.model.money import (
    ROUND_DOWN,
    ROUND_HALF_UP,
    quantize_fen,
    require_amount,
    zero,
)
from riskpool.domain.model.policy import LoanType, Policy
from riskpool.errors import ErrorCode, RiskpoolError


@dataclass(frozen=True, slots=True)
class Compensation:
    """How a compensation was computed, kept whole for the audit trail.

    ``uncapped`` = ``ratio × principal_loss`` exactly (may have more decimals);
    ``amount`` = min(uncapped, cap) rounded *down* to the fen; ``capped`` says
    whether the per-loan cap bit. ``ratio`` includes ``uplift``, the policy's
    extra ratio for the loan's ``innovation_tier`` (0 when the policy has none).
    """

    policy_code: str
    loan_type: LoanType
    principal_loss: Money
    ratio: Decimal
    uncapped: Decimal
    cap: Money
    capped: bool
    amount: Money
    uplift: Decimal = Decimal(0)
    innovation_tier: int | None = None


def compute_compensation(
    policy: Policy,
    loan_type: LoanType,
    principal_loss: Money,
    *,
    innovation_tier: int | None = None,
) -> Compensation:
    """The pool's compensation for an audited ``principal_loss`` under ``policy``.

    ``amount = round_down_to_fen(min(ratio × principal_loss, per_loan_cap))`` with
    ``ratio = min(ratio(loan_type) + uplift(innovation_tier), 1)`` — the uplift is
    the policy's optional reward for innovative firms (创新积分), off by default.
    Raises ``INVALID_AMOUNT`` for a non-positive or inexact loss and
    ``POLICY_VIOLATION`` if the policy does not cover ``loan_type``.
    """
    require_amount(principal_loss, "principal_loss")
    uplift = policy.uplift_for(innovation_tier)
    ratio = min(policy.ratio_for(loan_type) + uplift, Decimal(1))
    uncapped = principal_loss.amount * ratio
    capped = uncapped > policy.per_loan_cap.amount
    amount = quantize_fen(min(uncapped, policy.per_loan_cap.amount), ROUND_DOWN)
    return Compensation(
        policy_code=policy.code,
        loan_type=loan_type,
        principal_loss=principal_loss,
        ratio=ratio,
        uncapped=uncapped,
        cap=policy.per_loan_cap,
        capped=capped,
        amount=amount,
        uplift=ratio - policy.ratio_for(loan_type),
        innovation_tier=innovation_tier,
    )


def recovery_return(
    *,
    compensated: Money,
    principal_loss: Money,
    recovered_total: Money,
    already_returned: Money,
) -> Money:
    """What the institution owes the pool now, out of recoveries after compensation (回缴).

    Pro rata: the pool paid ``compensated`` of a ``principal_loss``, so it is
    owed the same share of every recovered yuan::

        due_total = round_half_up(min(recovered_total, principal_loss)
                                  × compensated / principal_loss)
        due_now   = due_total − already_returned          (never below zero)

    ``recovered_total`` is *all* principal recovered on the loan since
    compensation, cumulative; recoveries beyond the loss (interest, penalties)
    are not shared, so the pool is never owed more than it paid.
    """
    require_amount(compensated, "compensated")
    require_amount(principal_loss, "principal_loss")
    require_amount(recovered_total, "recovered_total", allow_zero=True)
    require_amount(already_returned, "already_returned", allow_zero=True)
    if compensated > principal_loss:
        raise RiskpoolError(
            ErrorCode.VALIDATION, "compensation exceeds the principal loss", field="compensated"
        )
    base = min(recovered_total.amount, principal_loss.amount)
    due_total = quantize_fen(base * compensated.amount / principal_loss.amount, ROUND_HALF_UP)
    if already_returned > due_total:
        raise RiskpoolError(
            ErrorCode.VALIDATION,
            f"already returned {already_returned}, more than the {due_total} due",
            field="already_returned",
        )
    result: Money = due_total - already_returned
    return result


def management_fee_allowance(
    policy: Policy, fund_balance: Money, *, year_fraction: Decimal = Decimal(1)
) -> Money:
    """The most the operator may charge: ``cap_rate × fund_balance × year_fraction``, rounded down.

    ``fund_balance`` is the balance the fee is assessed on (the ledger's
    average or closing balance of the period, the service decides);
    ``year_fraction`` is the share of a year the fee covers (1 = a year).
    """
    require_amount(fund_balance, "fund_balance", allow_zero=True)
    if not Decimal(0) < year_fraction <= Decimal(1):
        raise RiskpoolError(
            ErrorCode.VALIDATION, "year_fraction must be in (0, 1]", field="year_fraction"
        )
    return quantize_fen(
        policy.management_fee_cap_rate * fund_balance.amount * year_fraction, ROUND_DOWN
    )


def check_management_fee(
    policy: Policy,
    fee: Money,
    *,
    fund_balance: Money,
    already_charged_in_year: Money,
    year_fraction: Decimal = Decimal(1),
) -> Money:
    """Return ``fee`` if, with what was already charged this year, it stays within the cap.

    ``POLICY_VIOLATION`` (field ``amount``) otherwise.
    """
    require_amount(fee, "amount")
    require_amount(already_charged_in_year, "already_charged_in_year", allow_zero=True)
    allowance = management_fee_allowance(policy, fund_balance, year_fraction=year_fraction)
    if already_charged_in_year + fee > allowance:
        raise RiskpoolError(
            ErrorCode.POLICY_VIOLATION,
            f"fee {fee} plus {already_charged_in_year} already charged exceeds the cap "
            f"{allowance} ({policy.management_fee_cap_rate} of {fund_balance})",
            field="amount",
        )
    return fee


@dataclass(frozen=True, slots=True)
class FeeFunding:
    """Where a management fee is paid from: interest first, then the pool's principal."""

    from_interest: Money
    from_principal: Money


def fund_management_fee(fee: Money, interest_available: Money) -> FeeFunding:
    """Split ``fee`` so that it is paid first out of interest earned, the rest from the pool."""
    require_amount(fee, "amount")
    require_amount(interest_available, "interest_available", allow_zero=True)
    from_interest = min(fee, interest_available)
    rest: Money = fee - from_interest
    return FeeFunding(from_interest=from_interest, from_principal=rest)


def topup_shortfall(floor: Money, balance: Money) -> Money:
    """The Finance Bureau's top-up at settlement (动态补足): ``max(floor − balance, 0)``."""
    require_amount(floor, "floor", allow_zero=True)
    require_amount(balance, "balance", allow_zero=True, allow_negative=True)
    shortfall: Money = floor - balance
    return shortfall if shortfall.amount > 0 else zero()
