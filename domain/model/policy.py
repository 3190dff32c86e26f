"""Versioned, effective-dated policies of the scheme, and the choice of the one in force.

Why policies are values and not configuration: the city changes the rules by
publishing a document (郑政办[2018]97号, 郑政办〔2025〕9号), and a loan stays
under the rules in force on the day it **entered the pool** (新老划断: old
loans, old rules). So a policy is an immutable record with a code, the
document that enacted it and its validity dates; a loan stores the code of the
policy it entered under, and every later decision about that loan (trigger,
ratio, cap) reads that policy, never "the current one".
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from moneyed import Money

from riskpool.domain.model.money import require_amount
from riskpool.errors import ErrorCode, RiskpoolError


class LoanType(enum.StrEnum):
    """How a pool loan is structured; it decides who bears the loss and the ratio.

    ``BANK_DIRECT`` (银行直贷类): the bank lends and bears the loss; it claims.
    ``GUARANTEED`` (担保类): a guarantee company guarantees the loan, repays
    the bank on the borrower's behalf (代偿) and then claims.
    """

    BANK_DIRECT = "BANK_DIRECT"
    GUARANTEED = "GUARANTEED"


class RecoveryRule(enum.StrEnum):
    """How money recovered after compensation (追偿) is shared with the pool (回缴).

    ``PRO_RATA``: the pool receives ``recovered × compensated / principal_loss``
    — the same share of every recovered yuan as the share of the loss it paid
    (see :func:`riskpool.domain.model.compensation.recovery_return`). It is the only
    rule in the documents we know; the enum leaves room for a future one.
    """

    PRO_RATA = "PRO_RATA"


@dataclass(frozen=True, slots=True)
class ClaimTrigger:
    """When a claim may be filed.

    ``days_overdue_more_than``: the principal must be overdue *strictly more*
    than this many days on the filing date ("逾期超60天": day 61 qualifies,
    day 60 does not). ``lawsuit_counts``: a lawsuit filed on or before the
    filing date triggers on its own ("或…提起诉讼后").
    """

    days_overdue_more_than: int
    lawsuit_counts: bool = True

    def __post_init__(self) -> None:
        if self.days_overdue_more_than < 0:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                "trigger days must not be negative",
                field="trigger.days_overdue_more_than",
            )

    def is_met(self, *, days_overdue: int, lawsuit_filed_on: date | None, on: date) -> bool:
        """Whether the trigger holds on ``on`` for a loan in that situation."""
        if days_overdue > self.days_overdue_more_than:
            return True
        return self.lawsuit_counts and lawsuit_filed_on is not None and lawsuit_filed_on <= on


def _rate(value: Decimal, field_name: str, *, allow_zero: bool = False) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise RiskpoolError(
            ErrorCode.VALIDATION, f"{field_name} must be a Decimal", field=field_name
        )
    if value < 0 or value > 1 or (value == 0 and not allow_zero):
        raise RiskpoolError(
            ErrorCode.VALIDATION, f"{field_name} must be in (0, 1], got {value}", field=field_name
        )
    return value


@dataclass(frozen=True, slots=True)
class Policy:
    """One version of the scheme's rules, in force from ``effective_from`` to ``effective_to``.

    Attributes:
        code: stable key stored on pool loans and claims (e.g. ``"ZKD-1.0"``).
        name: human name (郑科贷1.0 …).
        document_no: the enacting document (郑政办[2018]97号), shown in audits.
        effective_from: first day in force.
        effective_to: last day in force, inclusive; ``None`` while open-ended.
        compensation_ratios: share of the *actual principal loss* the pool
            pays, per :class:`LoanType` (0.5 = 50%).
        per_loan_cap: the most the pool pays for one loan.
        per_firm_credit_cap: the most credit (授信) one firm may hold in the
            pool across all lenders, this loan included; ``None`` = no cap.
        max_term_months: the longest loan term admitted, from the credit
            grant date to maturity; ``None`` = no limit.
        trigger: when a claim may be filed.
        suspension_threshold: an institution whose loss rate is *above* it
            has compensation suspended (0.05 = 5%).
        recovery_rule: how recoveries are returned to the pool.
        management_fee_cap_rate: the operator's fee may be at most this share
            of the fund balance a year (0.01 = 1%).
        pool_floor: at annual settlement the Finance Bureau tops the pool up
            to this balance (动态补足).
        min_innovation_tier: if set, only firms with an innovation-points tier
            (创新积分制) at or above it may enter the pool.
        eligible_sectors: if set, only firms of these sectors may enter.
        tier_ratio_uplift: extra compensation ratio by innovation tier, as
            ``{lowest tier: extra ratio}`` — ``{4: 0.05, 5: 0.10}`` adds 5
            points for tiers 4 and 10 points for tier 5 and above; the loan's
            tier when it entered the pool counts (see :meth:`uplift_for`).
            ``None`` (the default, and every shipped policy): off.
    """

    code: str
    name: str
    document_no: str
    effective_from: date
    compensation_ratios: Mapping[LoanType, Decimal] = field(hash=False)
    per_loan_cap: Money
    trigger: ClaimTrigger
    suspension_threshold: Decimal
    management_fee_cap_rate: Decimal
    pool_floor: Money
    effective_to: date | None = None
    per_firm_credit_cap: Money | None = None
    max_term_months: int | None = None
    recovery_rule: RecoveryRule = RecoveryRule.PRO_RATA
    min_innovation_tier: int | None = None
    eligible_sectors: frozenset[str] | None = None
    tier_ratio_uplift: Mapping[int, Decimal] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        if not self.code.strip():
            raise RiskpoolError(ErrorCode.VALIDATION, "policy code is empty", field="code")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise RiskpoolError(
                ErrorCode.VALIDATION, "effective_to is before effective_from", field="effective_to"
            )
        ratios = {
            LoanType(k): _rate(v, f"compensation_ratios.{k}")
            for k, v in self.compensation_ratios.items()
        }
        if not ratios:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                "a policy needs at least one ratio",
                field="compensation_ratios",
            )
        object.__setattr__(self, "compensation_ratios", MappingProxyType(ratios))
        require_amount(self.per_loan_cap, "per_loan_cap")
        if self.per_firm_credit_cap is not None:
            require_amount(self.per_firm_credit_cap, "per_firm_credit_cap")
        require_amount(self.pool_floor, "pool_floor", allow_zero=True)
        if self.max_term_months is not None and self.max_term_months <= 0:
            raise RiskpoolError(
                ErrorCode.VALIDATION, "max_term_months must be positive", field="max_term_months"
            )
        _rate(self.suspension_threshold, "suspension_threshold")
        _rate(self.management_fee_cap_rate, "management_fee_cap_rate", allow_zero=True)
        if self.min_innovation_tier is not None and self.min_innovation_tier < 1:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                "min_innovation_tier must be >= 1",
                field="min_innovation_tier",
            )
        if self.tier_ratio_uplift is not None:
            uplift: dict[int, Decimal] = {}
            for tier, extra in sorted(self.tier_ratio_uplift.items()):
                if not isinstance(tier, int) or tier < 1:
                    raise RiskpoolError(
                        ErrorCode.VALIDATION,
                        "uplift tiers must be >= 1",
                        field="tier_ratio_uplift",
                    )
                uplift[tier] = _rate(extra, f"tier_ratio_uplift.{tier}")
            object.__setattr__(self, "tier_ratio_uplift", MappingProxyType(uplift))

    def uplift_for(self, innovation_tier: int | None) -> Decimal:
        """The extra ratio for a firm of ``innovation_tier``: the entry of the highest
        listed tier at or below it; 0 when off, unscored or below every listed tier."""
        if not self.tier_ratio_uplift or innovation_tier is None:
            return Decimal(0)
        eligible = [t for t in self.tier_ratio_uplift if t <= innovation_tier]
        return self.tier_ratio_uplift[max(eligible)] if eligible else Decimal(0)

    def in_force_on(self, on: date) -> bool:
        """Whether ``on`` lies within ``[effective_from, effective_to]``."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def ratio_for(self, loan_type: LoanType) -> Decimal:
        """The compensation ratio for ``loan_type``; ``POLICY_VIOLATION`` if not covered."""
        try:
            return self.compensation_ratios[loan_type]
        except KeyError:
            raise RiskpoolError(
                ErrorCode.POLICY_VIOLATION,
                f"policy {self.code} does not cover {loan_type} loans",
                field="loan_type",
            ) from None


class PolicyBook:
    """The set of all policy versions, with no two in force on the same day.

    Why refuse overlaps: "the policy in force on a date" must have exactly one
    answer, or two loans entering on the same day could get different rules.
    """

    def __init__(self, policies: Iterable[Policy]) -> None:
        ordered = sorted(policies, key=lambda p: p.effective_from)
        codes: set[str] = set()
        for policy in ordered:
            if policy.code in codes:
                raise RiskpoolError(
                    ErrorCode.VALIDATION, f"duplicate policy code {policy.code}", field="code"
                )
            codes.add(policy.code)
        for earlier, later in itertools.pairwise(ordered):
            if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                raise RiskpoolError(
                    ErrorCode.VALIDATION,
                    f"policies {earlier.code} and {later.code} overlap",
                    field="effective_to",
                )
        self._policies: tuple[Policy, ...] = tuple(ordered)

    def __iter__(self) -> Iterator[Policy]:
        return iter(self._policies)

    def __len__(self) -> int:
        return len(self._policies)

    def by_code(self, code: str) -> Policy:
        """The policy with ``code``; ``NOT_FOUND`` otherwise."""
        for policy in self._policies:
            if policy.code == code:
                return policy
        raise RiskpoolError(ErrorCode.NOT_FOUND, f"no policy {code!r}", field="policy_code")

    def in_force(self, on: date) -> Policy:
        """The policy in force on ``on``; ``NOT_FOUND`` if none is."""
        return policy_in_force(self._policies, on)


def policy_in_force(policies: Iterable[Policy], on: date) -> Policy:
    """The one policy of ``policies`` in force on ``on``.

    ``NOT_FOUND`` if none is; ``VALIDATION`` if several are (overlapping versions).
    Use it when a loan *enters* the pool; afterwards read the loan's bound policy.
    """
    matches = [p for p in policies if p.in_force_on(on)]
    if not matches:
        raise RiskpoolError(ErrorCode.NOT_FOUND, f"no policy in force on {on}", field="on")
    if len(matches) > 1:
        codes = ", ".join(p.code for p in matches)
        raise RiskpoolError(ErrorCode.VALIDATION, f"several policies in force on {on}: {codes}")
    return matches[0]
