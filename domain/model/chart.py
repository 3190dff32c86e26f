"""The chart of accounts of each book, as data.

Why three books: the fund's money sits in two separately audited funds —
the 郑科贷 risk-compensation reserve (``ZKD_RESERVE``, 2018–2025) and the
city's risk-sharing pool (``CITY_POOL``, from 2025) — and the guarantors'
prepayments to banks are facts the fund must track but never holds
(off-balance, ``MEMO``). Each book balances on its own, so a movement between
the two funds is two entries, one per book.

Why shared codes across the two fund books: the same meaning gets the same
code (``100201`` is "the fund's bank account" in both), which keeps flow
code and reports book-agnostic. Codes follow the government accounting
pattern (1 assets, 2 liabilities, 3 net assets, 4 income, 5 expense,
9 memorandum); four-digit codes are grouping parents, flows post to leaves.

Balance flags follow TigerBeetle (and the ledger): on a debit-normal cash
account ``credits_must_not_exceed_debits`` means it can never be overdrawn;
on the compensation payable ``debits_must_not_exceed_credits`` means the
fund can never pay more than it has approved.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Final

from riskpool.domain.model.money import CNY
from riskpool.errors import ErrorCode, RiskpoolError


class BookCode(enum.StrEnum):
    ZKD_RESERVE = "ZKD_RESERVE"
    """郑科贷风险补偿准备金 — the 2018 reserve, funded in 3 tranches."""
    CITY_POOL = "CITY_POOL"
    """市科技金融风险分担资金池 — the city-wide pool the reserve moved into in 2025."""
    MEMO = "MEMO"
    """备查簿 — off-balance memoranda (guarantor prepayments)."""


FUND_BOOKS: Final = frozenset({BookCode.ZKD_RESERVE, BookCode.CITY_POOL})

FUSION_DATE: Final = date(2025, 2, 6)
"""郑政办〔2025〕9号: from this date the city pool, not the 郑科贷 reserve, pays claims."""


def fund_book_on(day: date) -> BookCode:
    """The fund that bears compensation on ``day``: the reserve before the fusion, then the pool.

    Pure domain knowledge (a date of policy), so the use cases and the
    statistics both ask it here rather than one importing the other.
    """
    return BookCode.ZKD_RESERVE if day < FUSION_DATE else BookCode.CITY_POOL


BOOK_OPENED: Final[Mapping[BookCode, date]] = MappingProxyType(
    {
        BookCode.ZKD_RESERVE: date(2018, 10, 1),
        BookCode.MEMO: date(2018, 10, 1),
        BookCode.CITY_POOL: FUSION_DATE,
    }
)
"""When each book's accounts open: the reserve with 郑政办[2018]97号, the pool with the fusion."""


class AccountType(enum.StrEnum):
    """Same values as the ledger's account types (the ledger team maps them 1:1)."""

    ASSET = "asset"
    LIABILITY = "liability"
    NET_ASSETS = "net_assets"
    INCOME = "income"
    EXPENSE = "expense"


class Acct:
    """Account codes used by :mod:`riskpool.domain.model.flows` (leaves unless noted)."""

    CASH_GROUP: Final = "1002"  # parent
    CASH: Final = "100201"
    COMPENSATION_PAYABLE: Final = "2201"
    FINANCE_GROUP: Final = "3001"  # parent
    FINANCE_ALLOCATION: Final = "300101"
    FINANCE_TOPUP: Final = "300102"
    TRANSFER_GROUP: Final = "3101"  # parent
    TRANSFER_OUT: Final = "310101"  # reserve only
    TRANSFER_IN: Final = "310102"  # pool only
    INTEREST_INCOME: Final = "4101"
    RECOVERY_INCOME: Final = "4201"
    COMPENSATION_EXPENSE: Final = "5101"
    MANAGEMENT_FEE: Final = "5201"
    PREPAYMENT_MEMO: Final = "9001"
    PREPAYMENT_MEMO_CONTRA: Final = "9002"


@dataclass(frozen=True, slots=True)
class AccountDef:
    """One account of a book: what the ledger opens, with its balance flags."""

    code: str
    name: str
    type: AccountType
    parent: str | None = None
    currency: str = CNY
    debits_must_not_exceed_credits: bool = False
    credits_must_not_exceed_debits: bool = False


@dataclass(frozen=True, slots=True)
class BookDef:
    """A self-balancing book and its accounts, parents listed before children."""

    code: BookCode
    name: str
    description: str
    accounts: tuple[AccountDef, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for account in self.accounts:
            if account.code in seen:
                raise RiskpoolError(ErrorCode.DUPLICATE, f"{self.code}: duplicate {account.code}")
            if account.parent is not None and account.parent not in seen:
                raise RiskpoolError(
                    ErrorCode.INVALID_ACCOUNT, f"{self.code}: {account.code} before its parent"
                )
            seen.add(account.code)

    def account(self, code: str) -> AccountDef:
        """The account ``code`` of this book; ``UNKNOWN_ACCOUNT`` otherwise."""
        for account in self.accounts:
            if account.code == code:
                return account
        raise RiskpoolError(
            ErrorCode.UNKNOWN_ACCOUNT, f"no account {code} in book {self.code}", field="account"
        )

    @property
    def leaf_codes(self) -> frozenset[str]:
        """Codes of accounts that are no other account's parent (the ones flows post to)."""
        parents = {a.parent for a in self.accounts if a.parent is not None}
        return frozenset(a.code for a in self.accounts if a.code not in parents)


def _fund_accounts(cash_name: str, transfer: AccountDef) -> tuple[AccountDef, ...]:
    return (
        AccountDef(Acct.CASH_GROUP, "银行存款", AccountType.ASSET),
        AccountDef(
            Acct.CASH,
            cash_name,
            AccountType.ASSET,
            parent=Acct.CASH_GROUP,
            credits_must_not_exceed_debits=True,
        ),
        AccountDef(
            Acct.COMPENSATION_PAYABLE,
            "应付风险补偿款",
            AccountType.LIABILITY,
            debits_must_not_exceed_credits=True,
        ),
        AccountDef(Acct.FINANCE_GROUP, "财政拨入资金", AccountType.NET_ASSETS),
        AccountDef(
            Acct.FINANCE_ALLOCATION,
            "财政拨入资金-财政拨款",
            AccountType.NET_ASSETS,
            Acct.FINANCE_GROUP,
        ),
        AccountDef(
            Acct.FINANCE_TOPUP, "财政拨入资金-动态补足", AccountType.NET_ASSETS, Acct.FINANCE_GROUP
        ),
        AccountDef(Acct.TRANSFER_GROUP, "资金划转", AccountType.NET_ASSETS),
        transfer,
        AccountDef(Acct.INTEREST_INCOME, "利息收入", AccountType.INCOME),
        AccountDef(Acct.RECOVERY_INCOME, "追偿回缴收入", AccountType.INCOME),
        AccountDef(Acct.COMPENSATION_EXPENSE, "风险补偿支出", AccountType.EXPENSE),
        AccountDef(Acct.MANAGEMENT_FEE, "运营管理费", AccountType.EXPENSE),
    )


_BOOKS = (
    BookDef(
        BookCode.ZKD_RESERVE,
        "郑科贷风险补偿准备金",
        "郑政办[2018]97号设立，分3次共1亿元；2025年划转至市风险分担资金池",
        _fund_accounts(
            "银行存款-准备金专户",
            AccountDef(
                Acct.TRANSFER_OUT,
                "资金划转-划出至市资金池",
                AccountType.NET_ASSETS,
                Acct.TRANSFER_GROUP,
            ),
        ),
    ),
    BookDef(
        BookCode.CITY_POOL,
        "市科技金融风险分担资金池",
        "郑政办〔2025〕9号，郑科贷与郑好融融合；市财政局动态补足",
        _fund_accounts(
            "银行存款-资金池专户",
            AccountDef(
                Acct.TRANSFER_IN,
                "资金划转-郑科贷准备金划入",
                AccountType.NET_ASSETS,
                Acct.TRANSFER_GROUP,
            ),
        ),
    ),
    BookDef(
        BookCode.MEMO,
        "备查簿",
        "表外备查事项：担保公司向合作银行先行代偿",
        (
            # Off-balance pair: the debit side records the fact, the contra keeps the book balanced.
            AccountDef(Acct.PREPAYMENT_MEMO, "担保代偿备查", AccountType.ASSET),
            AccountDef(Acct.PREPAYMENT_MEMO_CONTRA, "担保代偿备查-对方科目", AccountType.LIABILITY),
        ),
    ),
)

CHART: Final[Mapping[BookCode, BookDef]] = MappingProxyType({b.code: b for b in _BOOKS})
"""Every book the domain posts to, by code."""


def book(code: BookCode | str) -> BookDef:
    """The book ``code``; ``UNKNOWN_BOOK`` otherwise."""
    try:
        return CHART[BookCode(code)]
    except (KeyError, ValueError):
        raise RiskpoolError(ErrorCode.UNKNOWN_BOOK, f"no book {code!r}", field="book") from None
