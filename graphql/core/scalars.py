"""Money on the wire: an exact decimal string, never a float, never exponent form.

strawberry's built-in ``Decimal`` scalar accepts and prints exponent forms
(``1E+2``) and NaN; a financial API must not. ``Amount`` accepts only plain
decimal strings (``-1234.56``) and always prints fixed-point. ``Money`` is an
object so the currency and the integer minor units travel with the amount;
``minorUnits`` is a string because fen counts exceed GraphQL's 32-bit Int.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import NewType

import strawberry
from moneyed import Money as PyMoney
from strawberry.types.scalar import ScalarDefinition

from riskpool.errors import RiskpoolError
from riskpool.ledger.money import currency_exponent, to_minor

_PLAIN_DECIMAL = re.compile(r"^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})?$")


class AmountError(ValueError):
    """A malformed ``Amount`` in a request: the client's mistake, reported, never masked."""


def parse_amount(value: object) -> Decimal:
    if not isinstance(value, str) or not _PLAIN_DECIMAL.match(value):
        raise AmountError(
            'Amount must be a plain decimal string such as "1234.56" '
            "(no exponent, no NaN or infinity, at most 18 integer digits)"
        )
    return Decimal(value)


def format_amount(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError("non-finite amount")
    return format(value, "f")


Amount = NewType("Amount", Decimal)
"""An exact decimal; on the wire the ``Amount`` scalar below (see ``SCALARS``)."""

SCALARS: dict[object, ScalarDefinition] = {
    Amount: strawberry.scalar(
        name="Amount",
        description='An exact decimal amount as a plain string, e.g. "1234.56".',
        serialize=format_amount,
        parse_value=parse_amount,
    )
}
"""The schema's scalar map: registered with ``StrawberryConfig(scalar_map=...)``."""


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
        """The Money, refusing more decimals than the currency has (INVALID_AMOUNT)."""
        code = self.currency.upper()
        to_minor(self.amount, code)  # raises RiskpoolError(INVALID_AMOUNT) if not exact
        return PyMoney(self.amount, code)


__all__ = ["Amount", "MoneyInput", "MoneyType", "RiskpoolError", "parse_amount"]
