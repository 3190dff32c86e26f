"""Money helpers of the domain: CNY amounts that are exact to the fen.

Why a module of its own: every rule of the scheme (caps, ratios, recoveries,
fees) ends in an amount of yuan that the ledger will store as an integer count
of fen. Refusing an inexact amount at the domain's door, and rounding only in
the few places where the policy says how, keeps the books reproducible.
Floats are refused outright: ``0.1 + 0.2`` has no place in a public fund.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Final

from moneyed import Money

from riskpool.errors import ErrorCode, RiskpoolError

CNY: Final = "CNY"
"""The scheme's only currency (ISO 4217)."""

FEN: Final = Decimal("0.01")
"""One fen, the minor unit of CNY; every domain amount is a multiple of it."""

__all__ = [
    "CNY",
    "FEN",
    "ROUND_DOWN",
    "ROUND_HALF_UP",
    "cny",
    "money_sum",
    "quantize_fen",
    "require_amount",
    "zero",
]


def cny(amount: Decimal | str | int) -> Money:
    """A CNY ``Money`` from a ``Decimal``, decimal string or integer — never a float.

    Raises ``INVALID_AMOUNT`` for floats, NaN, infinities and more than two decimals.
    """
    if isinstance(amount, (float, bool)):
        raise RiskpoolError(ErrorCode.INVALID_AMOUNT, f"refusing non-decimal amount {amount!r}")
    value = Decimal(amount)
    if not value.is_finite():
        raise RiskpoolError(ErrorCode.INVALID_AMOUNT, f"not a finite amount: {amount!r}")
    if value != value.quantize(FEN, rounding=ROUND_DOWN):
        raise RiskpoolError(ErrorCode.INVALID_AMOUNT, f"{amount} has more than 2 decimals")
    return Money(value, CNY)


def zero() -> Money:
    """0.00 CNY."""
    return Money(Decimal("0.00"), CNY)


def quantize_fen(amount: Decimal, rounding: str) -> Money:
    """Round ``amount`` to the fen with an explicit ``rounding`` mode and wrap it as CNY.

    The mode is a required argument on purpose: every caller must state which
    way a half fen goes, and why, in its own docstring.
    """
    if not amount.is_finite():
        raise RiskpoolError(ErrorCode.INVALID_AMOUNT, f"not a finite amount: {amount!r}")
    return Money(amount.quantize(FEN, rounding=rounding), CNY)


def require_amount(
    amount: Money, field: str, *, allow_zero: bool = False, allow_negative: bool = False
) -> Money:
    """Return ``amount`` if it is a finite CNY amount exact to the fen with the wanted sign.

    Raises ``INVALID_AMOUNT`` (with ``field``) otherwise. Positive is the
    default because almost every domain amount (a disbursement, a cap, a
    payment) is meaningless at zero or below.
    """
    if not isinstance(amount, Money):
        raise RiskpoolError(ErrorCode.INVALID_AMOUNT, f"{field} must be Money", field=field)
    if amount.currency.code != CNY:
        raise RiskpoolError(
            ErrorCode.INVALID_AMOUNT, f"{field} must be in CNY, got {amount.currency}", field=field
        )
    value = amount.amount
    if not value.is_finite() or value != value.quantize(FEN, rounding=ROUND_DOWN):
        raise RiskpoolError(
            ErrorCode.INVALID_AMOUNT, f"{field} must be exact to the fen: {value}", field=field
        )
    if value < 0 and not allow_negative:
        raise RiskpoolError(ErrorCode.INVALID_AMOUNT, f"{field} must not be negative", field=field)
    if value == 0 and not allow_zero:
        raise RiskpoolError(ErrorCode.INVALID_AMOUNT, f"{field} must not be zero", field=field)
    return amount


def money_sum(amounts: Iterable[Money]) -> Money:
    """Sum of CNY amounts; 0.00 CNY for an empty iterable."""
    total = zero()
    for amount in amounts:
        total = total + amount
    return total
