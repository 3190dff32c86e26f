"""Small builders for the export tests: a pool book with a history worth exporting.

Why not the ledger tests' helpers: those live in another test folder (no
packages in tests/), and an export needs a richer history — claim and loan
metadata, a reversal, two months of entries, a closed account.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from moneyed import Money

from riskpool.ledger import store
from riskpool.ledger.model import AccountSpec, AccountType, EntrySpec, JournalEntry, PostingSpec
from riskpool.ledger.service import Ledger

D0 = date(2025, 1, 1)
BOOK = "POOL"
CASH = "Assets:POOL:A1002"
FIXED_NOW = datetime(2025, 6, 30, 8, 0, 0, 123456, tzinfo=UTC)


def cny(amount: str | int) -> Money:
    return Money(Decimal(str(amount)), "CNY")


def fix_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``booked_at`` (and so every entry hash) the same on every run and dialect."""
    monkeypatch.setattr(store, "booking_time", lambda: FIXED_NOW)


def entry(
    key: str,
    legs: dict[str, str | int],
    *,
    day: date = D0,
    description: str = "test",
    metadata: dict[str, object] | None = None,
) -> EntrySpec:
    return EntrySpec(
        book=BOOK,
        effective_date=day,
        description=description,
        postings=tuple(PostingSpec(code, cny(amount)) for code, amount in legs.items()),
        idempotency_key=key,
        actor="tester",
        metadata=metadata or {},  # type: ignore[arg-type]
    )


async def pool_book(ledger: Ledger) -> None:
    """资金池: cash (no overdraft), fiscal capital, a payable, an expense, income, a fee account."""
    await ledger.create_book(BOOK, "科技贷风险补偿资金池")
    specs = [
        ("1002", "银行存款", AccountType.ASSET, {"credits_must_not_exceed_debits": True}),
        ("1122", "应收代偿追偿款", AccountType.ASSET, {}),
        ("2201", "应付补偿款", AccountType.LIABILITY, {}),
        ("3001", "财政拨入资金", AccountType.NET_ASSETS, {}),
        ("4101", "利息收入", AccountType.INCOME, {}),
        ("5001", "代偿补偿支出", AccountType.EXPENSE, {}),
        ("5101", "银行手续费", AccountType.EXPENSE, {}),
    ]
    for code, name, kind, flags in specs:
        await ledger.open_account(
            AccountSpec(BOOK, code, name, kind, "CNY", D0, **flags)  # type: ignore[arg-type]
        )


async def history(ledger: Ledger) -> list[JournalEntry]:
    """Two months of the fund's life, including a reversal and a closed account."""
    posted = [
        await ledger.post(
            entry(
                "fiscal-2025-01",
                {"1002": "50000000.00", "3001": "-50000000.00"},
                day=date(2025, 1, 2),
                description="财政拨入首期风险补偿资金",
                metadata={"tranche": 1, "payee": "郑州市财政局"},
            )
        ),
        await ledger.post(
            entry(
                "claim-7-approve",
                {"5001": "800000.00", "2201": "-800000.00"},
                day=date(2025, 1, 20),
                description='核准代偿 "A公司" \\ 贷款',
                metadata={"claim_id": 7, "loan_id": "L-2024/0031", "institution_id": "ZZB"},
            )
        ),
        await ledger.post(
            entry(
                "claim-7-pay",
                {"2201": "800000.00", "1002": "-800000.00"},
                day=date(2025, 1, 25),
                description="支付代偿补偿款\n第二行",
                metadata={"claim_id": 7, "loan_id": "L-2024/0031", "institution_id": "ZZB"},
            )
        ),
        await ledger.post(
            entry(
                "fee-wrong",
                {"5101": "35.50", "1002": "-35.50"},
                day=date(2025, 1, 31),
                description="银行手续费（录错）",
            )
        ),
    ]
    posted.append(
        await ledger.reverse(
            posted[-1].id,
            reason="金额录错",
            idempotency_key="fee-wrong-reversal",
            actor="tester",
            effective_date=date(2025, 2, 3),
        )
    )
    posted += [
        await ledger.post(
            entry(
                "interest-2025-02",
                {"1002": "12345.67", "4101": "-12345.67"},
                day=date(2025, 2, 21),
                description="银行存款利息",
                metadata={"nested": {"rate": "0.35%"}, "Weird Key": True},
            )
        ),
        await ledger.post(
            entry(
                "recovery-claim-7",
                {"1122": "300000.00", "5001": "-300000.00"},
                day=date(2025, 2, 28),
                description="追偿款确认",
                metadata={"claim_id": 7},
            )
        ),
    ]
    return posted
