"""Scalars on the wire: exact amounts, and dates inside the window the fund can mean.

strawberry's built-in ``Decimal`` scalar accepts and prints exponent forms
(``1E+2``) and NaN; a financial API must not. ``Amount`` accepts only plain
decimal strings (``-1234.56``, nothing before or after it, not even a line
feed), at most the configured maximum in magnitude, and always prints
fixed-point. ``Money`` is an object so the currency and the integer minor units
travel with the amount; ``minorUnits`` is a string because fen counts exceed
GraphQL's 32-bit Int. ``MoneyInput`` refuses more decimals than its currency
has *as written* (``"1.000000"`` is refused, though it equals ``1.00``): a
client that sends six decimals has misunderstood the field.

``Date`` and ``DateTime`` replace strawberry's: they accept ISO 8601 only
within [1990-01-01, today + the configured horizon] (see
:mod:`riskpool.domain.model.plausibility`), and a ``DateTime`` must carry its offset.
Out-of-window values used to overflow date arithmetic deep in a resolver
(``9999-12-31T23:59:59Z`` in Beijing time is year 10000) and came back as
masked internal faults; now they are refused as the client's ``VALIDATION``.

The limits come from the settings, so the scalar map is built per schema
(:func:`scalar_map`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NewType

import strawberry
from moneyed import Money as PyMoney
from strawberry.types.scalar import ScalarDefinition

from riskpool.domain.model.dates import BUSINESS_TZ
from riskpool.domain.model.plausibility import require_plausible_date
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.money import currency_exponent, to_minor

_PLAIN_DECIMAL = re.compile(r"-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})?")

MAX_MINOR_UNITS = 2**63 - 1
"""Minor units are stored as BIGINT: no amount beyond this is ever accepted."""


class ScalarInputError(ValueError):
    """A malformed scalar in a request: the client's mistake, reported, never masked."""


class AmountError(ScalarInputError):
    """A malformed or out-of-range ``Amount``."""


@dataclass(frozen=True, slots=True)
class InputLimits:
    """The settings the scalars enforce (hashable: schemas are cached per set of limits)."""

    max_amount: Decimal = Decimal("100000000000")
    date_horizon: timedelta = timedelta(days=30 * 366)


def amount_parser(maximum: Decimal) -> Callable[[object], Decimal]:
    """Parse a plain decimal string whose magnitude is at most ``maximum``."""

    def parse(value: object) -> Decimal:
        if not isinstance(value, str) or _PLAIN_DECIMAL.fullmatch(value) is None:
            raise AmountError(
                'Amount must be a plain decimal string such as "1234.56" '
                "(no exponent, no NaN or infinity, no spaces, at most 6 decimals)"
            )
        amount = Decimal(value)
        if abs(amount) > maximum:
            raise AmountError(f"Amount exceeds the maximum of {format(maximum, 'f')}")
        return amount

    return parse


def format_amount(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError("non-finite amount")
    return format(value, "f")


def latest_date(horizon: timedelta) -> date:
    """The latest plausible date today: Beijing's today plus ``horizon``."""
    return datetime.now(BUSINESS_TZ).date() + horizon


def _plausible(value: date, kind: str, horizon: timedelta) -> None:
    try:
        require_plausible_date(value, kind, latest=latest_date(horizon))
    except RiskpoolError as error:
        raise ScalarInputError(error.message) from None


def date_parser(horizon: timedelta) -> Callable[[object], date]:
    def parse(value: object) -> date:
        if not isinstance(value, str):
            raise ScalarInputError("Date must be an ISO 8601 string such as 2025-06-30")
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise ScalarInputError("Date must be an ISO 8601 date such as 2025-06-30") from None
        _plausible(parsed, "Date", horizon)
        return parsed

    return parse


def datetime_parser(horizon: timedelta) -> Callable[[object], datetime]:
    def parse(value: object) -> datetime:
        if not isinstance(value, str):
            raise ScalarInputError("DateTime must be an ISO 8601 string with an offset")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ScalarInputError(
                "DateTime must be ISO 8601 with an offset, such as 2025-06-30T09:00:00+08:00"
            ) from None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise ScalarInputError("DateTime must carry a UTC offset (Z or +08:00)")
        # The local calendar date is checked before any conversion between zones,
        # which near the calendar's ends would overflow.
        _plausible(parsed.date(), "DateTime", horizon)
        return parsed

    return parse


def _isoformat(value: date | datetime) -> str:
    return value.isoformat()


Amount = NewType("Amount", Decimal)
"""An exact decimal; on the wire the ``Amount`` scalar (see :func:`scalar_map`)."""


def scalar_map(limits: InputLimits) -> dict[object, ScalarDefinition]:
    """The schema's scalar map for ``limits``: ``StrawberryConfig(scalar_map=...)``."""
    return {
        Amount: strawberry.scalar(
            name="Amount",
            description='An exact decimal amount as a plain string, e.g. "1234.56".',
            serialize=format_amount,
            parse_value=amount_parser(limits.max_amount),
        ),
        date: strawberry.scalar(
            name="Date",
            description="Date (isoformat)",
            serialize=_isoformat,
            parse_value=date_parser(limits.date_horizon),
        ),
        datetime: strawberry.scalar(
            name="DateTime",
            description="Date with time (isoformat)",
            serialize=_isoformat,
            parse_value=datetime_parser(limits.date_horizon),
        ),
    }


@strawberry.type(name="Money", description="An amount of a currency, exact to its minor unit.")
class MoneyType:
    amount: Amount
    currency: str
    minor_units: str = strawberry.field(
        description="The amount in the currency's minor units (fen for CNY), as a string."
    )

    @classmethod
    def of(cls, money: PyMoney) -> MoneyType:
        code = money.currency.code
        exponent = currency_exponent(code)
        amount = money.amount.quantize(Decimal(1).scaleb(-exponent))
        return cls(amount=Amount(amount), currency=code, minor_units=str(to_minor(amount, code)))


@strawberry.input(name="MoneyInput", description="An amount; CNY unless another currency is named.")
class MoneyInput:
    amount: Amount
    currency: str = "CNY"

    def to_money(self) -> PyMoney:
        """The Money, refusing more decimals than the currency has, as written, and any
        amount beyond 64-bit minor units (``INVALID_AMOUNT``)."""
        code = self.currency.upper()
        exponent = self.amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > currency_exponent(code):
            raise RiskpoolError(
                ErrorCode.INVALID_AMOUNT,
                f"{code} has {currency_exponent(code)} decimals; the amount has more",
                field="amount",
            )
        if abs(to_minor(self.amount, code)) > MAX_MINOR_UNITS:  # INVALID_AMOUNT if inexact
            raise RiskpoolError(
                ErrorCode.INVALID_AMOUNT, "amount beyond 64-bit minor units", field="amount"
            )
        return PyMoney(self.amount, code)


__all__ = [
    "Amount",
    "InputLimits",
    "MoneyInput",
    "MoneyType",
    "RiskpoolError",
    "ScalarInputError",
    "amount_parser",
    "scalar_map",
]
