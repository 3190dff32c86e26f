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
BOOK = "CITY_POOL"
BOOK_NAME = "市科技金融风险分担资金池"
#: The book's component in every account name.
POOL = "CITY-POOL-市科技金融风险分担资金池"
CASH_GROUP = f"Assets:{POOL}:1002-银行存款"
CASH = f"{CASH_GROUP}:100201-银行存款-资金池专户"
FISCAL = f"Equity:{POOL}:3001-财政拨入资金:300101-财政拨入资金-财政拨款"
RECEIVABLE = f"Assets:{POOL}:1122-应收代偿追偿款"
FEES = f"Expenses:{POOL}:5301-银行手续费-专户"
OPENING = f"Equity:{POOL}:Opening-Balances"
MEMO = "MEMO"
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
    book: str = BOOK,
) -> EntrySpec:
    return EntrySpec(
        book=book,
        effective_date=day,
        description=description,
        postings=tuple(PostingSpec(code, cny(amount)) for code, amount in legs.items()),
        idempotency_key=key,
        actor="tester",
        metadata=metadata or {},  # type: ignore[arg-type]
    )


async def pool_book(ledger: Ledger) -> None:
    """资金池 with the real chart's shape: cash and fiscal capital as parents with
    sub-accounts, a payable, income, expenses — one name with full-width brackets,
    which beancount refuses in account names."""
    await ledger.create_book(BOOK, BOOK_NAME)
    specs: list[tuple[str, str, AccountType, str | None, dict[str, bool]]] = [
        ("1002", "银行存款", AccountType.ASSET, None, {}),
        (
            "100201",
            "银行存款-资金池专户",
            AccountType.ASSET,
            "1002",
            {"credits_must_not_exceed_debits": True},
        ),
        ("1122", "应收代偿追偿款", AccountType.ASSET, None, {}),
        ("2201", "应付风险补偿款", AccountType.LIABILITY, None, {}),
        ("3001", "财政拨入资金", AccountType.NET_ASSETS, None, {}),
        ("300101", "财政拨入资金-财政拨款", AccountType.NET_ASSETS, "3001", {}),
        ("4101", "利息收入", AccountType.INCOME, None, {}),
        ("5101", "风险补偿支出", AccountType.EXPENSE, None, {}),
        ("5301", "银行手续费（专户）", AccountType.EXPENSE, None, {}),
    ]
    for code, name, kind, parent, flags in specs:
        await ledger.open_account(
            AccountSpec(BOOK, code, name, kind, "CNY", D0, parent=parent, **flags)
        )


async def memo_book(ledger: Ledger) -> JournalEntry:
    """备查簿, a second book for the combined file, with a loan known only by its id."""
    await ledger.create_book(MEMO, "备查簿")
    for code, name, kind in (
        ("9001", "担保代偿备查", AccountType.ASSET),
        ("9002", "担保代偿备查-对方科目", AccountType.LIABILITY),
    ):
        await ledger.open_account(AccountSpec(MEMO, code, name, kind, "CNY", D0))
    return await ledger.post(
        entry(
            "loan-36-prepayment-1",
            {"9001": "250000.00", "9002": "-250000.00"},
            day=date(2025, 1, 20),
            description="担保公司向合作银行先行代偿（贷款 36，第1笔）",
            metadata={"loan_id": 36, "institution_id": 11},
            book=MEMO,
        )
    )


CLAIM_7 = {
    "claim_id": 7,
    "loan_id": 42,
    "contract_no": "ZKD2-2025-003",
    "institution_id": 2,
    "policy_code": "ZKD-2025",
}


async def history(ledger: Ledger) -> list[JournalEntry]:
    """Two months of the fund's life, including a reversal and a closed account."""
    posted = [
        await ledger.post(
            entry(
                "fiscal-2025-01",
                {"100201": "50000000.00", "300101": "-50000000.00"},
                day=date(2025, 1, 2),
                description="财政拨入首期风险补偿资金",
                metadata={"tranche": 1, "payee": "郑州市财政局"},
            )
        ),
        await ledger.post(
            entry(
                "claim-7-approve",
                {"5101": "800000.00", "2201": "-800000.00"},
                day=date(2025, 1, 20),
                description="风险补偿经市政府批准，确认应付补偿款（补偿申请 7）",
                metadata=CLAIM_7,
            )
        ),
        await ledger.post(
            entry(
                "claim-7-pay",
                {"2201": "800000.00", "100201": "-800000.00"},
                day=date(2025, 1, 25),
                description="支付代偿补偿款\n第二行",
                metadata={**CLAIM_7, "payment_reference": "PAY-2025-003"},
            )
        ),
        await ledger.post(
            entry(
                "fee-wrong",
                {"5301": "35.50", "100201": "-35.50"},
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
                {"100201": "12345.67", "4101": "-12345.67"},
                day=date(2025, 2, 21),
                description="银行存款利息",
                metadata={"nested": {"rate": "0.35%"}, "Weird Key": True},
            )
        ),
        await ledger.post(
            entry(
                "recovery-claim-7",
                {"1122": "300000.00", "5101": "-300000.00"},
                day=date(2025, 2, 28),
                description='追偿款确认 "A公司" \\ 回收',
                metadata={"claim_id": 7, "loan_id": 42},
            )
        ),
    ]
    return posted
