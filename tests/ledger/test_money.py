"""Minor units and ``Money``: exact both ways, and what a posting reads back as."""

from __future__ import annotations

from decimal import Decimal

import pytest
from moneyed import Money

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.money import as_posted, from_minor, to_minor


@pytest.mark.parametrize(
    ("amount", "units"),
    [
        (Money(Decimal("1234.56"), "CNY"), 123456),
        (Money(Decimal("-0.01"), "CNY"), -1),
        (Money(Decimal("100"), "CNY"), 10000),
        (Money(Decimal("500"), "JPY"), 500),
    ],
)
def test_minor_units_round_trip(amount: Money, units: int) -> None:
    code = amount.currency.code
    assert to_minor(amount) == units
    back = from_minor(units, code)
    assert back == amount
    assert back.amount.as_tuple().exponent == -(2 if code == "CNY" else 0)


def test_more_decimals_than_the_currency_has_are_refused() -> None:
    with pytest.raises(RiskpoolError) as caught:
        to_minor(Money(Decimal("0.001"), "CNY"))
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


def test_a_posting_reads_back_as_the_requested_money_when_it_is_already_exact() -> None:
    exact = Money(Decimal("12.30"), "CNY")
    assert as_posted(exact, 1230, "CNY") is exact  # immutable: shared, not rebuilt
    loose = Money(Decimal("12.3"), "CNY")
    posted = as_posted(loose, 1230, "CNY")
    assert posted == loose and posted is not loose
    assert str(posted.amount) == "12.30"  # the currency's decimals, as when loaded
