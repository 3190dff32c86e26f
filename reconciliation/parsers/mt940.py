"""SWIFT MT940 customer statements, read with the ``mt-940`` library.

Why the library and what we add: ``mt940.parse_statements`` splits a file on
``:20:`` and parses each block's tags (``:25:`` account, ``:28C:`` statement
and page number, ``:60F:``/``:60M:`` opening, ``:61:`` lines, ``:86:``
details, ``:62F:``/``:62M:`` closing). We add what an evidence-grade import
needs and the library leaves to the caller:

* the SWIFT envelope (``{1:…}{2:…}{4:`` … ``-}``) is removed first;
* every block must have an account, an opening and a closing balance — a
  file cut off in the middle is refused, not read as a shorter statement;
* the number of ``:61:`` tags in the text must equal the number of lines the
  library returned, so nothing is dropped silently;
* :class:`mt940.Options` ``all()`` is used, so ``RC`` (reversal of a credit)
  is negative like the debit it is, and ``RD`` positive;
* each line keeps its raw ``:61:``/``:86:`` text and its line number.

Intermediate balances (``:60M:``/``:62M:``) make each page of a multi-page
statement a :class:`~riskpool.reconciliation.model.Statement` of its own; the
continuity proof then chains the pages. The booking date is the ``:61:``
entry date (MMDD) when present, else the value date.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import mt940

from riskpool.reconciliation.errors import StatementError, invalid
from riskpool.reconciliation.model import StatementFile, StatementFormat
from riskpool.reconciliation.parsers.common import (
    LineDraft,
    StatementDraft,
    check_date,
    finish,
    minor_units,
    normalize_currency,
)
from riskpool.reconciliation.parsers.detect import decode_text

_BLOCK_START = re.compile(r"(?m)^:20:")
_TAG = re.compile(r"(?m)^:(\d{2}[A-Z]?|NS):")
_STRICT_61 = re.compile(r"^:61:\d{6}(\d{4})?R?[CD][A-Z]?\d{1,12},\d{0,2}[NSF][A-Z0-9]{3}")
"""SWIFT's 6!n[4!n]2a[1!a]15d1!a3!c: the library accepts more (``25O000,00`` as
25 followed by a type code), so the raw tag is checked against the standard first."""


def _strip_envelope(text: str) -> list[tuple[int, str]]:
    """Lines of the text block ``{4:`` with their 1-based numbers, envelope removed."""
    kept: list[tuple[int, str]] = []
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.rstrip("\r")
        stripped = line.strip()
        if stripped.startswith("{") or stripped.startswith("-}") or stripped == "-":
            # {1:…}{2:…}{4: header, -} trailer with optional {5:…}
            if ":20:" in stripped:  # header and first tag on one line
                line = stripped[stripped.index(":20:") :]
            else:
                continue
        kept.append((number, line))
    return kept


def _balance(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = data.get(key)
        if value is not None:
            return value
    return None


def _as_date(value: Any, *, line: int, field: str) -> date:
    if not isinstance(value, date):
        raise invalid(f"missing {field}", line=line, field=field)
    return check_date(date(value.year, value.month, value.day), line=line, field=field)


def _decimal(amount: Any, *, line: int, field: str) -> Decimal:
    value = getattr(amount, "amount", None)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise invalid(f"missing or invalid amount in {field}", line=line, field=field)
    return value


def parse_mt940(data: bytes, *, encoding: str | None = None) -> StatementFile:
    """Every statement of an MT940 file, in file order.

    Raises ``STATEMENT_INVALID`` (with the line) for truncated blocks, tags the
    library cannot parse, bad amounts and dates out of range.
    """
    text = decode_text(data, encoding)
    numbered = _strip_envelope(text)
    body = "\n".join(line for _, line in numbered)
    line_numbers = [number for number, _ in numbered]
    starts = [match.start() for match in _BLOCK_START.finditer(body)]
    if not starts:
        raise invalid("no MT940 statement (:20:) found")
    drafts: list[StatementDraft] = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(body)
        block = body[start:end]
        first_line = line_numbers[body.count("\n", 0, start)]
        drafts.append(_parse_block(block, first_line, line_numbers, body.count("\n", 0, start)))
    return finish(StatementFormat.MT940, data, drafts)


def _parse_block(
    block: str, first_line: int, line_numbers: list[int], offset_lines: int
) -> StatementDraft:
    try:
        parsed = mt940.parse_statements(block, options=mt940.Options.all())
    except StatementError:  # pragma: no cover - the library raises its own errors
        raise
    except Exception as error:  # the library raises RuntimeError, ValueError, KeyError …
        raise invalid(f"MT940 block could not be parsed: {error}", line=first_line) from None
    if len(parsed) != 1:
        raise invalid("MT940 block could not be parsed", line=first_line)
    statement = parsed[0]
    info = statement.data
    account = str(info.get("account_identification") or "").strip().replace(" ", "")
    if not account:
        raise invalid("statement without account (:25:)", line=first_line, field="account")
    opening = _balance(info, "final_opening_balance", "intermediate_opening_balance")
    closing = _balance(info, "final_closing_balance", "intermediate_closing_balance")
    if opening is None:
        raise invalid("statement without opening balance (:60F:/:60M:)", line=first_line)
    if closing is None:
        raise invalid("truncated: no closing balance (:62F:/:62M:)", line=first_line)
    currency = normalize_currency(str(getattr(opening.amount, "currency", "") or ""))
    closing_currency = normalize_currency(str(getattr(closing.amount, "currency", "") or ""))
    if closing_currency != currency:
        raise invalid("opening and closing balance in different currencies", line=first_line)

    # Where each :61: starts and where its :86: details end, for raw text and line numbers.
    tags = list(_TAG.finditer(block))
    line_spans: list[tuple[int, int]] = []
    for position, tag in enumerate(tags):
        if tag.group(1) != "61":
            continue
        stop = len(block)
        for later in tags[position + 1 :]:
            if later.group(1) not in ("86", "NS"):
                stop = later.start()
                break
        line_spans.append((tag.start(), stop))
    if len(line_spans) != len(statement.transactions):
        raise invalid(
            f"{len(line_spans)} :61: tags but {len(statement.transactions)} lines parsed",
            line=first_line,
        )

    sequence = info.get("statement_number")
    if info.get("sequence_number"):
        sequence = f"{sequence}/{info['sequence_number']}"
    reference = str(info.get("transaction_reference") or "").strip()
    draft = StatementDraft(
        statement_id=f"{reference}:{sequence}" if sequence else reference,
        account=account,
        currency=currency,
        opening_date=_as_date(opening.date, line=first_line, field="opening_date"),
        opening_minor=minor_units(
            _decimal(opening.amount, line=first_line, field="opening"),
            currency,
            line=first_line,
            field="opening",
        ),
        closing_date=_as_date(closing.date, line=first_line, field="closing_date"),
        closing_minor=minor_units(
            _decimal(closing.amount, line=first_line, field="closing"),
            currency,
            line=first_line,
            field="closing",
        ),
        opening_derived=False,
        sequence=str(sequence) if sequence else None,
    )
    for transaction, (span_start, span_end) in zip(statement.transactions, line_spans, strict=True):
        line_no = line_numbers[offset_lines + block.count("\n", 0, span_start)]
        if not _STRICT_61.match(block[span_start:span_end]):
            raise invalid(
                "statement line (:61:) does not follow 6!n[4!n]2a[1!a]15d1!a3!c", line=line_no
            )
        tx: dict[str, Any] = transaction.data
        line_currency = normalize_currency(str(tx.get("currency") or currency), line=line_no)
        if line_currency != currency:
            raise invalid("line currency differs from the statement's", line=line_no)
        value_date = _as_date(tx.get("date"), line=line_no, field="value_date")
        entry_date = tx.get("entry_date")
        booking_date = (
            _as_date(entry_date, line=line_no, field="booking_date")
            if isinstance(entry_date, date)
            else value_date
        )
        status = str(tx.get("status") or "").upper()
        details = str(tx.get("transaction_details") or "").strip()
        extra = str(tx.get("extra_details") or "").strip()
        customer_reference = str(tx.get("customer_reference") or "").strip() or None
        fields = _slash_fields(details)
        draft.lines.append(
            LineDraft(
                account=account,
                currency=currency,
                booking_date=booking_date,
                value_date=value_date,
                amount_minor=minor_units(
                    _decimal(tx.get("amount"), line=line_no, field="amount"),
                    currency,
                    line=line_no,
                    field="amount",
                ),
                bank_reference=str(tx.get("bank_reference") or "").strip() or None,
                end_to_end_id=fields.get("EREF")
                or (None if customer_reference == "NONREF" else customer_reference),
                counterparty_name=fields.get("NAME") or _text(tx.get("applicant_name")),
                counterparty_account=fields.get("ACCT")
                or _text(tx.get("applicant_iban"))
                or _text(tx.get("applicant_bin")),
                purpose=" ".join(part for part in (details, extra) if part),
                running_balance_minor=None,
                is_reversal=status.startswith("R"),
                transaction_code=_text(tx.get("id")),
                raw=block[span_start:span_end].strip(),
                source_line=line_no,
            )
        )
    return draft


_SLASH_FIELD = re.compile(r"/(NAME|ACCT|REMI|EREF|PURP|CNTP)/")


def _slash_fields(details: str) -> dict[str, str]:
    """Sub-fields of a ``:86:`` in the ``/NAME/…/ACCT/…/REMI/…`` convention.

    Many banks (including Chinese banks' SWIFT output) structure ``:86:`` this
    way; free text yields an empty mapping and stays in ``purpose``.
    """
    parts = _SLASH_FIELD.split(details.replace("\n", ""))
    fields: dict[str, str] = {}
    for key, value in zip(parts[1::2], parts[2::2], strict=False):
        cleaned = value.replace("\n", "").strip()
        if cleaned:
            fields[key] = cleaned
    return fields


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
