"""What every statement parser shares: strict amount and date reading, drafts.

Why strict: a statement is evidence. An amount that is not a plain decimal, a
date outside any plausible range, or a currency we cannot name is refused with
the line where it occurs — never guessed, never rounded (``ledger/money.py``
refuses more decimals than the currency has for the same reason).

Parsers fill mutable *drafts* while they walk the file and hand them to
:func:`finish`, which computes the dedup keys over the whole file (they depend
on occurrences within the file) and freezes everything into the model.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TypeVar

from riskpool.errors import RiskpoolError
from riskpool.ledger.money import currency_exponent, to_minor
from riskpool.reconciliation.dedup import DedupKeys
from riskpool.reconciliation.errors import invalid
from riskpool.reconciliation.model import (
    Statement,
    StatementFile,
    StatementFormat,
    StatementLine,
)

MIN_DATE = date(1990, 1, 1)
"""Earliest booking date we accept; older is a parse error, not history."""
MAX_DATE = date(2099, 12, 31)
"""Latest booking date we accept."""

_AMOUNT_RE = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:[ T]?\d{2}:?\d{2}(?::?\d{2})?)?$")
_SEPARATED_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$"
)
_CURRENCY_NAMES = {
    "人民币": "CNY",
    "人民币元": "CNY",
    "RMB": "CNY",
    "CNY": "CNY",
    "美元": "USD",
    "港币": "HKD",
    "港元": "HKD",
    "欧元": "EUR",
    "日元": "JPY",
}
PLACEHOLDERS = frozenset({"", "-", "--", "—", "——", "/", "null", "NULL", "None"})
"""Cell contents that mean "nothing here" in bank exports."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_decimal(text: str, *, line: int | None, field: str) -> Decimal:
    """A decimal from a bank's text: thousands separators allowed, nothing else.

    Accepts ``1234.56``, ``1,234.56``, ``-1,234.56``, ``+5``, ``(1,234.56)``
    (accounting negative) and a leading ``¥``/``￥``. Refuses anything else —
    ``1.234,56``, ``12abc``, ``NaN``, ``1e3`` — with ``STATEMENT_INVALID``.
    """
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1]
    cleaned = cleaned.lstrip("¥￥")
    if not _AMOUNT_RE.match(cleaned):
        raise invalid(f"not an amount: {text!r}", line=line, field=field)
    try:
        value = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex admits only decimals
        raise invalid(f"not an amount: {text!r}", line=line, field=field) from None
    return -value if negative else value


def minor_units(value: Decimal, currency: str, *, line: int | None, field: str) -> int:
    """``value`` in minor units of ``currency``; more decimals than it has is refused."""
    try:
        return to_minor(value, currency)
    except RiskpoolError as error:
        raise invalid(error.message, line=line, field=field) from None


def parse_amount(text: str, currency: str, *, line: int | None, field: str) -> int:
    """:func:`parse_decimal` then :func:`minor_units`."""
    return minor_units(
        parse_decimal(text, line=line, field=field), currency, line=line, field=field
    )


def check_date(day: date, *, line: int | None, field: str) -> date:
    """``day`` if it lies within [:data:`MIN_DATE`, :data:`MAX_DATE`], else refused."""
    if isinstance(day, datetime):
        day = day.date()
    if not MIN_DATE <= day <= MAX_DATE:
        raise invalid(f"date out of range: {day.isoformat()}", line=line, field=field)
    return day


def parse_date(text: str, *, line: int | None, field: str) -> date:
    """A date from ``20250103``, ``2025-01-03``, ``2025/1/3``, ``2025年1月3日``,
    optionally followed by a time (which is dropped: bank days are local days)."""
    parsed = _day_of(text.strip())
    if parsed is None:
        raise invalid(f"not a date: {text!r}", line=line, field=field)
    return check_date(parsed, line=line, field=field)


@lru_cache(maxsize=8192)
def _day_of(cleaned: str) -> date | None:
    """The day a date text names (``None``: not a date). Cached: a large export has
    few distinct days, and each is then one shared ``date`` object."""
    match = _COMPACT_DATE_RE.match(cleaned) or _SEPARATED_DATE_RE.match(cleaned)
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def normalize_currency(text: str, *, line: int | None = None) -> str:
    """ISO 4217 code from ``CNY``, ``RMB``, ``人民币`` …; unknown codes are refused."""
    cleaned = text.strip()
    code = _CURRENCY_NAMES.get(cleaned, _CURRENCY_NAMES.get(cleaned.upper(), cleaned.upper()))
    try:
        currency_exponent(code)
    except RiskpoolError:
        raise invalid(f"unknown currency {text!r}", line=line, field="currency") from None
    return code


def clean_text(value: object) -> str | None:
    """A cell or element text, stripped, with placeholders (``-``) as ``None``."""
    if value is None:
        return None
    text = str(value).strip()
    return None if text in PLACEHOLDERS else text


@dataclass(slots=True)
class LineDraft:
    """A statement line while its file is still being read (no dedup key yet)."""

    account: str
    currency: str
    booking_date: date
    value_date: date | None
    amount_minor: int
    bank_reference: str | None
    end_to_end_id: str | None
    counterparty_name: str | None
    counterparty_account: str | None
    purpose: str
    running_balance_minor: int | None
    is_reversal: bool
    transaction_code: str | None
    raw: str
    source_line: int


@dataclass(slots=True)
class StatementDraft:
    """A statement while its file is still being read."""

    statement_id: str
    account: str
    currency: str
    opening_date: date
    opening_minor: int
    closing_date: date
    closing_minor: int
    opening_derived: bool
    sequence: str | None = None
    lines: list[LineDraft] = field(default_factory=list)


def booking_order(lines: list[LineDraft]) -> list[LineDraft]:
    """The lines oldest first, whatever order the bank listed them in.

    Why: the order of lines is not part of a statement's proof (opening + Σ
    lines = closing holds in any order), and banks differ — ING lists newest
    first, Belgian camt.053 files follow no order at all. A file in ascending
    booking order is kept as it is; one in descending order is reversed (so
    lines of one day keep the bank's sequence, read backwards); anything else
    is sorted by booking date, stably (file order within a day).
    """
    ascending = all(a.booking_date <= b.booking_date for a, b in itertools.pairwise(lines))
    if ascending:
        return lines
    descending = all(a.booking_date >= b.booking_date for a, b in itertools.pairwise(lines))
    if descending:
        return lines[::-1]
    return sorted(lines, key=lambda line: line.booking_date)


_Text = TypeVar("_Text", str, str | None)


def _one(shared: dict[str | None, str | None], value: _Text) -> _Text:
    """One string object per distinct value: accounts, names and codes repeat
    from line to line, and a large file should hold each once."""
    return shared.setdefault(value, value)  # type: ignore[return-value]


def finish(
    format: StatementFormat, data: bytes, drafts: list[StatementDraft], *, sha256: str | None = None
) -> StatementFile:
    """Freeze the drafts of one file, with dedup keys computed over the whole file.

    Each draft is released as soon as its frozen line exists (the draft lists
    are consumed from the end), so a large file never holds both copies of
    its lines.
    """
    digest = sha256 or sha256_hex(data)
    keys = DedupKeys()
    shared: dict[str | None, str | None] = {}
    statements = []
    for draft in drafts:
        pending = draft.lines
        pending.reverse()
        frozen: list[StatementLine] = []
        while pending:
            line = pending.pop()
            frozen.append(
                StatementLine(
                    account=_one(shared, line.account),
                    currency=_one(shared, line.currency),
                    booking_date=line.booking_date,
                    value_date=line.value_date,
                    amount_minor=line.amount_minor,
                    bank_reference=line.bank_reference,
                    end_to_end_id=line.end_to_end_id,
                    counterparty_name=_one(shared, line.counterparty_name),
                    counterparty_account=_one(shared, line.counterparty_account),
                    purpose=line.purpose,
                    running_balance_minor=line.running_balance_minor,
                    is_reversal=line.is_reversal,
                    transaction_code=_one(shared, line.transaction_code),
                    raw=line.raw,
                    source_sha256=digest,
                    source_line=line.source_line,
                    dedup_key=keys.key(line),
                )
            )
        statements.append(
            Statement(
                format=format,
                statement_id=draft.statement_id,
                account=draft.account,
                currency=draft.currency,
                opening_date=draft.opening_date,
                opening_minor=draft.opening_minor,
                closing_date=draft.closing_date,
                closing_minor=draft.closing_minor,
                opening_derived=draft.opening_derived,
                lines=tuple(frozen),
                source_sha256=digest,
                sequence=draft.sequence,
            )
        )
        del frozen
    return StatementFile(
        format=format, source_sha256=digest, size_bytes=len(data), statements=tuple(statements)
    )
