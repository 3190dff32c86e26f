"""Early warnings for the dashboard (贷前、贷中、贷后风险防控): pure computations over figures.

Four kinds, each a typed record carrying the figures that raised it, so a
dashboard can show *why* and a person can check the arithmetic:

``LOAN_NEAR_TRIGGER``
    A pool loan overdue at least ``limits.overdue_days`` (default 30) on the
    reference date whose policy's claim trigger does **not** hold yet (not
    more than 60 days overdue, not sued) and that has no open or paid claim:
    the lender has ``days_to_trigger`` days to cure it before a claim may be
    filed against the pool.
``INSTITUTION_NEAR_SUSPENSION``
    An active institution whose loss rate (:mod:`riskpool.domain.model.suspension`'s
    definition) is at least ``threshold − limits.suspension_margin`` (default
    one percentage point): approaching the rate that suspends its
    compensation, or already above it and not yet assessed (``breached``).
    Suspended institutions are not warned about: the consequence has happened.
``POOL_BELOW_FLOOR``
    The fund's projected balance — cash less compensation approved but not yet
    paid — below its policy floor plus ``limits.floor_margin`` (default 0):
    ``top_up_needed = max(floor − projected, 0)`` is what the Finance Bureau's
    dynamic top-up (动态补足) would have to bring in.
``CONCENTRATION``
    One institution's (the party bearing the loss) or one sector's share of
    the outstanding pool principal above its limit (defaults 20% and 15%: with
    15 institutions and 9 sectors, about three and 1.4 times an even share).

Everything here is a function of values passed in (loans, rates, balances,
exposures): the service layer reads them, this module decides.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import ClassVar

from moneyed import Money

from riskpool.domain.model.loan import Loan
from riskpool.domain.model.money import money_sum, require_amount, zero
from riskpool.domain.model.policy import PolicyBook
from riskpool.errors import ErrorCode, RiskpoolError


class WarningKind(enum.StrEnum):
    LOAN_NEAR_TRIGGER = "LOAN_NEAR_TRIGGER"
    INSTITUTION_NEAR_SUSPENSION = "INSTITUTION_NEAR_SUSPENSION"
    POOL_BELOW_FLOOR = "POOL_BELOW_FLOOR"
    CONCENTRATION = "CONCENTRATION"


class ConcentrationDimension(enum.StrEnum):
    INSTITUTION = "INSTITUTION"
    """The party bearing the loss (the guarantor of a guaranteed loan, else the bank)."""
    SECTOR = "SECTOR"
    """The borrowing firm's sector."""


def _share(value: Decimal, name: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= 1:
        raise RiskpoolError(ErrorCode.VALIDATION, f"{name} must be in [0, 1]", field=name)
    return value


MAX_OVERDUE_DAYS = 3650
"""Ten years overdue is the longest threshold that means anything (and keeps date
arithmetic on it far from the calendar's end)."""


@dataclass(frozen=True, slots=True)
class WarningLimits:
    """The configurable limits of the warnings (see the module docstring for each)."""

    overdue_days: int = 30
    suspension_margin: Decimal = Decimal("0.01")
    floor_margin: Money = field(default_factory=zero)
    institution_share_limit: Decimal = Decimal("0.20")
    sector_share_limit: Decimal = Decimal("0.15")

    def __post_init__(self) -> None:
        if not 1 <= self.overdue_days <= MAX_OVERDUE_DAYS:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"overdue_days must be between 1 and {MAX_OVERDUE_DAYS}",
                field="overdueDays",
            )
        _share(self.suspension_margin, "suspensionMargin")
        _share(self.institution_share_limit, "institutionShareLimit")
        _share(self.sector_share_limit, "sectorShareLimit")
        require_amount(self.floor_margin, "floorMargin", allow_zero=True)


@dataclass(frozen=True, slots=True)
class LoanNearTrigger:
    """A pool loan ``days_overdue`` days overdue, ``days_to_trigger`` days from a claim."""

    loan_id: int
    contract_no: str
    institution_id: int
    lender_id: int
    firm_id: int
    overdue_since: date
    days_overdue: int
    trigger_days: int
    outstanding: Money

    kind: ClassVar[WarningKind] = WarningKind.LOAN_NEAR_TRIGGER

    @property
    def days_to_trigger(self) -> int:
        """Days until the loan is overdue *more than* the trigger days (day 61 of 60)."""
        return self.trigger_days + 1 - self.days_overdue


@dataclass(frozen=True, slots=True)
class InstitutionRate:
    """An input: one institution's loss-rate figures on the reference date."""

    institution_id: int
    name: str
    bad: Money
    base: Money
    active: bool = True

    @property
    def rate(self) -> Decimal:
        return Decimal(0) if self.base.amount == 0 else self.bad.amount / self.base.amount


@dataclass(frozen=True, slots=True)
class InstitutionNearSuspension:
    """An active institution whose loss rate is within ``margin`` of the threshold (or above)."""

    institution_id: int
    name: str
    loss_rate: Decimal
    threshold: Decimal
    margin: Decimal
    bad: Money
    base: Money

    kind: ClassVar[WarningKind] = WarningKind.INSTITUTION_NEAR_SUSPENSION

    @property
    def breached(self) -> bool:
        """Above the threshold already: the next assessment suspends it."""
        return self.loss_rate > self.threshold

    @property
    def headroom(self) -> Decimal:
        """``threshold − loss_rate`` (negative once breached)."""
        return self.threshold - self.loss_rate


@dataclass(frozen=True, slots=True)
class PoolBelowFloor:
    """The fund's cash less approved-but-unpaid compensation is below floor (+ margin)."""

    book: str
    cash: Money
    compensation_payable: Money
    floor: Money
    margin: Money

    kind: ClassVar[WarningKind] = WarningKind.POOL_BELOW_FLOOR

    @property
    def projected(self) -> Money:
        result: Money = self.cash - self.compensation_payable
        return result

    @property
    def top_up_needed(self) -> Money:
        gap: Money = self.floor - self.projected
        return gap if gap.amount > 0 else zero()


@dataclass(frozen=True, slots=True)
class Exposure:
    """An input: outstanding pool principal of one institution or one sector."""

    key: str
    label: str
    amount: Money


@dataclass(frozen=True, slots=True)
class Concentration:
    """One institution's or sector's ``share`` of the outstanding pool principal above ``limit``."""

    dimension: ConcentrationDimension
    key: str
    label: str
    exposure: Money
    total: Money
    limit: Decimal

    kind: ClassVar[WarningKind] = WarningKind.CONCENTRATION

    @property
    def share(self) -> Decimal:
        return self.exposure.amount / self.total.amount

    @property
    def institution_id(self) -> int | None:
        return int(self.key) if self.dimension is ConcentrationDimension.INSTITUTION else None


EarlyWarning = LoanNearTrigger | InstitutionNearSuspension | PoolBelowFloor | Concentration


def loans_near_trigger(
    loans: Iterable[Loan],
    policies: PolicyBook,
    on: date,
    limits: WarningLimits,
    *,
    claimed_loan_ids: Collection[int] = (),
) -> list[LoanNearTrigger]:
    """Pool loans at least ``limits.overdue_days`` overdue on ``on`` whose trigger does not hold.

    ``claimed_loan_ids``: loans with an open or paid claim (they are past
    warning). Ordered by days overdue (most first), then loan id.
    """
    found: list[LoanNearTrigger] = []
    for loan in loans:
        if loan.id is None or loan.pool_entry is None or loan.pool_entry.on > on:
            continue
        if loan.id in claimed_loan_ids or loan.overdue_since is None:
            continue
        days = loan.days_overdue(on)
        if days < limits.overdue_days:
            continue
        trigger = policies.by_code(loan.pool_entry.policy_code).trigger
        if trigger.is_met(days_overdue=days, lawsuit_filed_on=loan.lawsuit_filed_on, on=on):
            continue
        outstanding = loan.outstanding(on)
        if outstanding.amount <= 0:
            continue
        found.append(
            LoanNearTrigger(
                loan_id=loan.id,
                contract_no=loan.contract_no,
                institution_id=loan.claimant_id,
                lender_id=loan.lender_id,
                firm_id=loan.firm_id,
                overdue_since=loan.overdue_since,
                days_overdue=days,
                trigger_days=trigger.days_overdue_more_than,
                outstanding=outstanding,
            )
        )
    found.sort(key=lambda w: (-w.days_overdue, w.loan_id))
    return found


def institutions_near_suspension(
    rates: Iterable[InstitutionRate], threshold: Decimal, limits: WarningLimits
) -> list[InstitutionNearSuspension]:
    """Active institutions with a base whose rate ≥ ``threshold − margin``; highest rate first."""
    found = [
        InstitutionNearSuspension(
            institution_id=r.institution_id,
            name=r.name,
            loss_rate=r.rate,
            threshold=threshold,
            margin=limits.suspension_margin,
            bad=r.bad,
            base=r.base,
        )
        for r in rates
        if r.active and r.base.amount > 0 and r.rate >= threshold - limits.suspension_margin
    ]
    found.sort(key=lambda w: (-w.loss_rate, w.institution_id))
    return found


def pool_below_floor(
    *, book: str, cash: Money, compensation_payable: Money, floor: Money, limits: WarningLimits
) -> PoolBelowFloor | None:
    """The warning if ``cash − compensation_payable < floor + margin``, else ``None``."""
    warning = PoolBelowFloor(
        book=book,
        cash=cash,
        compensation_payable=compensation_payable,
        floor=floor,
        margin=limits.floor_margin,
    )
    return warning if warning.projected < floor + limits.floor_margin else None


def concentrations(
    dimension: ConcentrationDimension, exposures: Iterable[Exposure], limit: Decimal
) -> list[Concentration]:
    """Exposures whose share of their total is strictly above ``limit``; largest first.

    The total is the sum of all ``exposures`` given (pass every group, not
    only the candidates); nothing is returned when it is zero.
    """
    listed = [e for e in exposures if e.amount.amount > 0]
    total = money_sum(e.amount for e in listed)
    if total.amount == 0:
        return []
    found = [
        Concentration(
            dimension=dimension,
            key=e.key,
            label=e.label,
            exposure=e.amount,
            total=total,
            limit=limit,
        )
        for e in listed
        if e.amount.amount / total.amount > limit
    ]
    found.sort(key=lambda w: (-w.exposure.amount, w.key))
    return found
