"""Small builders shared by the ledger tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from moneyed import Money

from riskpool.ledger.model import AccountSpec, AccountType, EntrySpec, PostingSpec
from riskpool.ledger.service import Ledger

D0 = date(2025, 1, 1)


def cny(amount: str | int) -> Money:
    return Money(Decimal(str(amount)), "CNY")


async def pool_book(ledger: Ledger, *, book: str = "POOL") -> None:
    """A small book: a no-overdraft cash account, capital, and a payable."""
    await ledger.create_book(book, "资金池")
    await ledger.open_account(
        AccountSpec(
            book,
            "1002",
            "银行存款",
            AccountType.ASSET,
            "CNY",
            D0,
            credits_must_not_exceed_debits=True,
        )
    )
    await ledger.open_account(
        AccountSpec(book, "3001", "财政拨入资金", AccountType.NET_ASSETS, "CNY", D0)
    )
    await ledger.open_account(
        AccountSpec(book, "5001", "代偿补偿支出", AccountType.EXPENSE, "CNY", D0)
    )
    await ledger.open_account(
        AccountSpec(
            book,
            "2201",
            "应付补偿款",
            AccountType.LIABILITY,
            "CNY",
            D0,
            debits_must_not_exceed_credits=True,
        )
    )


def transfer(
    key: str,
    debit: str,
    credit: str,
    amount: str | int,
    *,
    book: str = "POOL",
    day: date = D0,
    description: str = "test",
    actor: str = "tester",
) -> EntrySpec:
    return EntrySpec(
        book=book,
        effective_date=day,
        description=description,
        postings=(PostingSpec(debit, cny(amount)), PostingSpec(credit, -cny(amount))),
        idempotency_key=key,
        actor=actor,
    )
