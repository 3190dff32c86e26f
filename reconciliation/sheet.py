"""The 银行存款余额调节表 as a document: what the Excel and PDF files show (pure).

Why a document model between the report and the files: the Excel sheet and the
PDF must say the same — the same rows, the same open items, the same ageing and
the same sign-off — so both renderers only lay out this one value. Amounts stay
:class:`~decimal.Decimal` (never float) and are written as text with two
decimals and thousands separators.

The sign-off names a **preparer** (编制人, the person who produced the table)
and a **reviewer** (复核人), who must be another person: the table is a control
and, like a confirmation, needs four eyes. Open items (未达账项) are aged by
days outstanding at the report date and summed per ageing band, because the old
ones are what finance staff must chase first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from moneyed import Money

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.reconciliation.records import BankAccount, StoredReport

TITLE = "银行存款余额调节表"

AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 30, "30天以内"),
    (31, 90, "31–90天"),
    (91, 180, "91–180天"),
    (181, None, "180天以上"),
)
"""Ageing bands of open items, by days outstanding (inclusive bounds)."""

BANK_RECEIVED = "银行已收、企业未收"
BANK_PAID = "银行已付、企业未付"
BOOKS_RECEIVED = "企业已收、银行未收"
BOOKS_PAID = "企业已付、银行未付"

MAX_NAME = 200


def amount_text(value: Money | Decimal) -> str:
    """``1,234,567.89`` — exact, two decimals, thousands separated."""
    amount = value.amount if isinstance(value, Money) else value
    return f"{amount:,.2f}"


def age_band(days: int) -> str:
    for low, high, label in AGE_BANDS:
        if days >= low and (high is None or days <= high):
            return label
    return AGE_BANDS[0][2]  # a negative age (item dated after the report) is current


@dataclass(frozen=True, slots=True)
class OpenItem:
    """One 未达账项: which side it is outstanding on, when, how much, how old."""

    kind: str
    day: date
    amount: Decimal
    reference: str
    text: str
    age_days: int
    band: str


@dataclass(frozen=True, slots=True)
class AgeingRow:
    band: str
    count: int
    total: Decimal
    """Sum of the items' absolute amounts: what is outstanding, whichever direction."""


@dataclass(frozen=True, slots=True)
class AdjustmentSheet:
    """Everything the Excel and PDF 调节表 show, in the order they show it."""

    bank: str
    bank_account: str
    ledger_account: str
    currency: str
    as_of: date
    prepared_at: datetime
    preparer: str
    reviewer: str
    rows: tuple[tuple[str, Decimal, str, Decimal], ...]
    """(books label, books amount, bank label, bank amount): balance, +, −, adjusted."""
    balanced: bool
    difference: Decimal
    items: tuple[OpenItem, ...]
    ageing: tuple[AgeingRow, ...]

    @property
    def filename_stem(self) -> str:
        return f"调节表-{self.bank_account}-{self.as_of.isoformat()}"


def _person(value: str, field: str) -> str:
    name = value.strip()
    if not name or len(name) > MAX_NAME or "\x00" in name:
        raise RiskpoolError(
            ErrorCode.VALIDATION,
            f"{field}: name the person (1 to {MAX_NAME} characters)",
            field=field,
        )
    return name


def build_sheet(
    stored: StoredReport,
    account: BankAccount,
    *,
    preparer: str,
    reviewer: str,
    prepared_at: datetime,
) -> AdjustmentSheet:
    """The document of one account's report; the reviewer is not the preparer."""
    preparer = _person(preparer, "preparer")
    reviewer = _person(reviewer, "reviewer")
    if preparer == reviewer:
        raise RiskpoolError(
            ErrorCode.FORBIDDEN,
            f"four eyes: {preparer} prepared the 调节表; another person reviews it",
            field="reviewer",
        )
    report, t = stored.report, stored.report.table
    items: list[OpenItem] = []
    for o in report.unmatched_lines:
        line = o.line
        amount = line.amount.amount
        items.append(
            OpenItem(
                BANK_RECEIVED if amount > 0 else BANK_PAID,
                line.booking_date,
                amount,
                line.bank_reference or "",
                " ".join(x for x in (line.counterparty_name or "", line.purpose) if x)[:80],
                o.age_days,
                age_band(o.age_days),
            )
        )
    for i in report.unmatched_items:
        item = i.item
        amount = item.amount.amount
        items.append(
            OpenItem(
                BOOKS_RECEIVED if amount > 0 else BOOKS_PAID,
                item.date,
                amount,
                f"#{item.entry_id}",
                item.description[:80],
                i.age_days,
                age_band(i.age_days),
            )
        )
    items.sort(key=lambda x: (-x.age_days, x.kind, x.day))
    ageing = tuple(
        AgeingRow(
            label,
            sum(1 for x in items if x.band == label),
            sum((abs(x.amount) for x in items if x.band == label), Decimal(0)),
        )
        for _, _, label in AGE_BANDS
    )
    rows = (
        ("企业账面余额", t.book_balance.amount, "银行对账单余额", t.bank_balance.amount),
        (
            "加：" + BANK_RECEIVED,
            t.bank_received_not_booked.amount,
            "加：" + BOOKS_RECEIVED,
            t.booked_received_not_at_bank.amount,
        ),
        (
            "减：" + BANK_PAID,
            t.bank_paid_not_booked.amount,
            "减：" + BOOKS_PAID,
            t.booked_paid_not_at_bank.amount,
        ),
        (
            "调节后的存款余额",
            t.adjusted_book_balance.amount,
            "调节后的存款余额",
            t.adjusted_bank_balance.amount,
        ),
    )
    return AdjustmentSheet(
        bank=account.bank,
        bank_account=account.number,
        ledger_account=f"{account.book}:{account.ledger_account}",
        currency=account.currency,
        as_of=stored.as_of,
        prepared_at=prepared_at,
        preparer=preparer,
        reviewer=reviewer,
        rows=rows,
        balanced=t.balanced,
        difference=t.difference.amount,
        items=tuple(items),
        ageing=ageing,
    )
