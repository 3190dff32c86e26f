"""Exact conversion between ``Money`` and integer minor units.

Why integers in the database: a count of fen is exact on every dialect and in
every driver, whereas SQLite stores ``NUMERIC`` as a double. Why refuse rather
than round: an amount with more decimals than its currency has is a bug or an
attack upstream; silently rounding it would hide a discrepancy in the books.

These functions sit on the ledger's hot path (twice per posting), so the
ISO 4217 lookup is done once per currency code and cached.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from moneyed import Currency, Money, get_currency
from moneyed.classes import CurrencyDoesNotExist

from riskpool.errors import ErrorCode, RiskpoolError

_MAX_MINOR = 2**63 - 1
_CURRENCIES: dict[str, tuple[int, Currency]] = {}  # code -> (exponent, currency)


def _currency(code: str) -> tuple[int, Currency]:
    found = _CURRENCIES.get(code)
    if found is not None:
        return found
    try:
        currency = get_currency(code)
    except CurrencyDoesNotExist:
        raise RiskpoolError(
            ErrorCode.INVALID_AMOUNT, f"unknown currency {code!r}", field="currency"
        ) from None
    sub_unit = currency.sub_unit
    exponent = len(str(sub_unit)) - 1
    if sub_unit != 10**exponent:  # pragma: no cover - no such ISO currency today
        raise RiskpoolError(ErrorCode.INVALID_AMOUNT, f"unsupported sub-unit for {code}")
    if currency.code != code:  # pragma: no cover - lookups are by exact code
        return exponent, currency
    _CURRENCIES[code] = (exponent, currency)
    return exponent, currency


def currency_exponent(code: str) -> int:
    """Number of decimals of ``code`` (CNY: 2), from ISO 4217 via py-moneyed."""
    return _currency(code)[0]


def to_minor(amount: Money | Decimal, currency: str | None = None) -> int:
    """Return ``amount`` in minor units, refusing anything that is not exact.

    Refused with ``INVALID_AMOUNT``: NaN and infinities, more decimals than the
    currency has, and magnitudes that do not fit a 64-bit integer.
    """
    if isinstance(amount, Money):
        value, code = amount.amount, amount.currency.code
    else:
        if currency is None:
            raise TypeError("a bare Decimal needs a currency")
        value, code = amount, currency
    if not isinstance(value, Decimal) or not value.is_finite():
        raise RiskpoolError(ErrorCode.INVALID_AMOUNT, f"not a finite decimal: {value!r}")
    exponent = _currency(code)[0]
    try:
        scaled = value.scaleb(exponent)
        units = int(scaled)
    except (InvalidOperation, OverflowError):
        raise RiskpoolError(ErrorCode.INVALID_AMOUNT, f"amount out of range: {value}") from None
    if scaled != units:
        raise RiskpoolError(
            ErrorCode.INVALID_AMOUNT,
            f"{value} {code} has more than {exponent} decimals",
        )
    if units > _MAX_MINOR or units < -_MAX_MINOR:
        raise RiskpoolError(ErrorCode.INVALID_AMOUNT, f"amount out of range: {value}")
    return units


def from_minor(units: int, currency: str) -> Money:
    """``Money`` for ``units`` minor units, with exactly the currency's decimals."""
    exponent, found = _currency(currency)
    return Money(Decimal(units).scaleb(-exponent), found)


def as_posted(requested: Money, units: int, currency: str) -> Money:
    """The ``Money`` a posting of ``units`` reads back as: ``requested`` itself when
    it already has exactly the currency's decimals (``Money`` is immutable), else
    :func:`from_minor` — so a bulk post does not build a second equal object."""
    amount = requested.amount
    if (
        type(amount) is Decimal
        and requested.currency.code == currency
        and amount.as_tuple().exponent == -_currency(currency)[0]
    ):
        return requested
    return from_minor(units, currency)
