"""OFX bank statements (v1 SGML and v2 XML), read with ``ofxtools``.

Why ``ofxtools``: it parses both OFX generations with its own tokenizer (no
XML entity expansion is involved) and validates every element's type —
``TRNAMT`` and ``BALAMT`` come back as ``Decimal``, dates as aware datetimes.

What OFX does not give, and what we decide:

* **No opening balance.** A statement response carries only ``LEDGERBAL``
  (the closing booked balance). The opening is derived as closing − Σ lines
  and flagged ``opening_derived``; the continuity proof against the previous
  statement is then what proves the file.
* **Dates are instants.** ``DTPOSTED`` is converted to the bank's local day in
  China Standard Time (UTC+8, no daylight saving since 1991), so a line
  posted at 00:30 Beijing time is not booked on the previous UTC day.
* ``FITID`` is the bank reference (OFX requires it unique per account);
  ``REFNUM`` (or ``CHECKNUM``) serves as end-to-end id.
* OFX has no reversal flag; corrections (``CORRECTFITID``) are kept as
  ordinary lines with the corrected id in the purpose.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from ofxtools.models import CCSTMTRS, STMTRS
from ofxtools.Parser import OFXTree

from riskpool.errors import ErrorCode
from riskpool.reconciliation.errors import StatementError, describe, invalid
from riskpool.reconciliation.model import StatementFile, StatementFormat
from riskpool.reconciliation.parsers.common import (
    LineDraft,
    StatementDraft,
    booking_order,
    check_date,
    finish,
    minor_units,
    normalize_currency,
)

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def _local_day(value: Any, *, line: int, field: str) -> date:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return check_date(aware.astimezone(CHINA_STANDARD_TIME).date(), line=line, field=field)
    raise invalid(f"missing {field}", line=line, field=field)


def _decimal(value: Any, *, line: int, field: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise invalid(f"missing or invalid {field}", line=line, field=field)
    return value


def parse_ofx(data: bytes) -> StatementFile:
    """Every bank or credit-card statement response of an OFX file."""
    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(data))
        ofx = tree.convert()
        statements = list(ofx.statements)
    except RecursionError:  # pragma: no cover - ofxtools recursing on a malformed tree
        raise invalid("OFX nested too deeply to be a statement") from None
    except Exception as error:  # ofxtools raises ParseError, ValueError, KeyError …
        raise invalid(f"OFX could not be parsed: {_reason(error)}") from None
    if not statements:
        raise invalid("OFX without statement responses (STMTRS/CCSTMTRS)")
    for number, stmtrs in enumerate(statements, start=1):
        if not isinstance(stmtrs, STMTRS | CCSTMTRS):
            raise StatementError(
                ErrorCode.STATEMENT_NOT_BANK,
                f"OFX statement {number} is an {type(stmtrs).__name__} (investment, brokerage "
                "or retirement account), not a bank or card account's: the fund reconciles "
                "its bank accounts only",
            )
    drafts: list[StatementDraft] = []
    ordinal = 0
    for number, stmtrs in enumerate(statements, start=1):
        account_from = stmtrs.account
        account = str(getattr(account_from, "acctid", "") or "").replace(" ", "")
        if not account:
            raise invalid("statement without account id", line=number)
        currency = normalize_currency(str(stmtrs.curdef))
        ledger = stmtrs.balance
        if ledger is None:
            raise invalid("truncated: statement without LEDGERBAL", line=number)
        closing = minor_units(
            _decimal(ledger.balamt, line=number, field="LEDGERBAL"),
            currency,
            line=number,
            field="LEDGERBAL",
        )
        closing_date = _local_day(ledger.dtasof, line=number, field="LEDGERBAL.DTASOF")
        tranlist = stmtrs.banktranlist
        lines: list[LineDraft] = []
        for transaction in tranlist or ():
            ordinal += 1
            lines.append(_line(transaction, account, currency, ordinal))
        lines = booking_order(lines)
        start = (
            _local_day(tranlist.dtstart, line=number, field="DTSTART")
            if tranlist is not None
            else closing_date
        )
        total = sum(line.amount_minor for line in lines)
        drafts.append(
            StatementDraft(
                statement_id=f"OFX:{account}:{start.isoformat()}:{closing_date.isoformat()}",
                account=account,
                currency=currency,
                opening_date=start,
                opening_minor=closing - total,
                closing_date=closing_date,
                closing_minor=closing,
                opening_derived=True,
                lines=lines,
            )
        )
    return finish(StatementFormat.OFX, data, drafts)


_REPEATED = re.compile(r"^(\w+) should occur before \1\b")


def _reason(error: Exception) -> str:
    """ofxtools' complaint, without object reprs and without its riddles."""
    text = describe(error)
    repeated = _REPEATED.match(text)
    if repeated:
        return f"element <{repeated.group(1)}> occurs more than once where OFX allows one"
    return text[:300]


def _line(transaction: Any, account: str, currency: str, ordinal: int) -> LineDraft:
    amount = minor_units(
        _decimal(transaction.trnamt, line=ordinal, field="TRNAMT"),
        currency,
        line=ordinal,
        field="TRNAMT",
    )
    posted = _local_day(transaction.dtposted, line=ordinal, field="DTPOSTED")
    value_date = (
        _local_day(transaction.dtavail, line=ordinal, field="DTAVAIL")
        if transaction.dtavail is not None
        else None
    )
    payee = getattr(transaction, "payee", None)
    name = transaction.name or (payee.name if payee is not None else None)
    account_to = transaction.bankacctto
    memo = transaction.memo or ""
    correction = f"corrects {transaction.correctfitid}" if transaction.correctfitid else ""
    raw = " ".join(
        f"{key}={value}"
        for key, value in (
            ("TRNTYPE", transaction.trntype),
            ("DTPOSTED", transaction.dtposted),
            ("TRNAMT", transaction.trnamt),
            ("FITID", transaction.fitid),
            ("NAME", name),
            ("MEMO", transaction.memo),
        )
        if value is not None
    )
    return LineDraft(
        account=account,
        currency=currency,
        booking_date=posted,
        value_date=value_date,
        amount_minor=amount,
        bank_reference=str(transaction.fitid),
        end_to_end_id=transaction.refnum or transaction.checknum or None,
        counterparty_name=str(name) if name else None,
        counterparty_account=str(account_to.acctid) if account_to is not None else None,
        purpose=" ".join(part for part in (memo, correction) if part),
        running_balance_minor=None,
        is_reversal=False,
        transaction_code=str(transaction.trntype) if transaction.trntype else None,
        raw=raw,
        source_line=ordinal,
    )
