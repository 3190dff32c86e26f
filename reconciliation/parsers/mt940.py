"""SWIFT MT940 customer statements, read with the ``mt-940`` library.

Why the library and what we add: ``mt940`` knows every tag's grammar
(``:25:`` account, ``:28C:`` statement and page number, ``:60F:``/``:60M:``
opening, ``:61:`` lines, ``:86:`` details, ``:62F:``/``:62M:`` closing) and
parses tag text into typed values. We add what an evidence-grade import of
real banks' files needs and the library leaves to the caller:

* **Statements are cut by us, in one pass.** A new statement starts at every
  ``:20:`` *and* at every separator banks put between statements: the ``^Z``
  byte (0x1A) of bank downloads, the SWIFT envelope (``{1:…}{2:…}{4:`` …
  ``-}``) and a lone ``-``. Tags after a separator and before the next
  ``:20:`` are a fragment and refuse the file (``STATEMENT_TRUNCATED``), so
  two statements are never merged and none is lost.
* **Linear time, bounded memory.** The file is walked once, line by line
  (decoded per line, never held as one text), and the library is fed the
  statement's header and then batches of :data:`BATCH` lines; each batch's
  parsed transactions are turned into our drafts and dropped before the next
  is read. A 200,000-line file therefore never holds 200,000 library objects.
* every statement must have an account, an opening and a closing balance — a
  file cut off in the middle is refused (``STATEMENT_TRUNCATED``), not read
  as a shorter statement;
* the number of ``:61:`` tags of each batch must equal the number of lines
  the library returned, so nothing is dropped silently;
* :class:`mt940.Options` ``all()`` is used, so ``RC`` (reversal of a credit)
  is negative like the debit it is, and ``RD`` positive;
* each line keeps its raw ``:61:``/``:86:`` text and its line number, and a
  tag the library cannot read is reported with its line and tag, never with
  the library's object repr.

**Booking date.** The ``:61:`` entry date (MMDD, its year resolved by the
library against the value date) is the booking date. A line without an entry
date is booked on its value date *clamped into the statement's period*
[``:60F:`` date, ``:62F:`` date]: a back-valued line (value date before the
opening date) is booked on the opening date, a forward-valued one on the
closing date — the bank booked it within this statement, and those are the
only days the statement vouches for. The value date itself is always kept as
the line's ``value_date``, never substituted.

**Order.** Lines are returned oldest first (see
:func:`~riskpool.reconciliation.parsers.common.booking_order`): ING and
others list them newest first, and the order is not part of the proof.

Intermediate balances (``:60M:``/``:62M:``) make each page of a multi-page
statement a :class:`~riskpool.reconciliation.model.Statement` of its own; the
continuity proof then chains the pages.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import mt940

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
from riskpool.reconciliation.parsers.detect import text_lines

BATCH = 512
"""Statement lines handed to the library at once: large enough that its
per-call work is amortised, small enough that its objects stay few."""

_TAG = re.compile(r"^:(\d{2}|NS)([A-Z]?):")
_KNOWN_TAGS = frozenset(str(key)[:2] for key in mt940.tags.TAG_BY_ID)
_STRICT_61 = re.compile(r"^:61:\d{6}(\d{4})?R?[CD][A-Z]?\d{1,12},\d{0,2}[NSF][A-Z0-9]{3}")
"""SWIFT's 6!n[4!n]2a[1!a]15d1!a3!c: the library accepts more (``25O000,00`` as
25 followed by a type code), so the raw tag is checked against the standard first."""
_SEPARATOR = "\x1a"
_TAG_NAMES = {
    "20": "transaction reference (:20:)",
    "25": "account (:25:)",
    "28": "statement number (:28C:)",
    "60": "opening balance (:60F:/:60M:)",
    "61": "statement line (:61:)",
    "62": "closing balance (:62F:/:62M:)",
    "64": "closing available balance (:64:)",
    "65": "forward available balance (:65:)",
    "86": "information to account owner (:86:)",
}


@dataclass(slots=True)
class _Tag:
    """One tag's text (continuation lines joined) and the line it starts on."""

    name: str
    line: int
    text: str


@dataclass(slots=True)
class _Block:
    """One statement while it is being read: the library's collection and our draft."""

    first_line: int
    collection: Any
    pending: list[_Tag] = field(default_factory=list)
    pending_lines: int = 0
    lines: list[LineDraft] = field(default_factory=list)
    undated: list[LineDraft] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)
    account: str = ""
    currency: str = ""


def _tags(data: bytes, encoding: str | None) -> Iterator[_Tag | int]:
    """Tags with their continuation lines, in one pass over the file.

    A statement separator comes through as its line number: ``^Z`` anywhere
    in a line (``-}^Z{1:…``), an envelope header (``{1:…}{2:…}{4:``, which may
    carry the first tag on the same line: ``{4::20:…``), a trailer ``-}``
    (with its ``{5:…}``) and a lone ``-``. Text outside any tag (bank headers
    such as ``ABNANL2A`` / ``940``) is not evidence and is passed over.
    """
    current: _Tag | None = None
    number = 0
    for raw in text_lines(data, encoding):
        number += 1
        parts = raw.split(_SEPARATOR) if _SEPARATOR in raw else (raw,)
        for index, part in enumerate(parts):
            if index:
                if current is not None:
                    yield current
                    current = None
                yield number
            head = part[:1]
            if head == "{" or head == "-" or head == " ":
                stripped = part.strip()
                if stripped.startswith("{"):
                    if current is not None:
                        yield current
                        current = None
                    yield number
                    if ":20:" not in stripped:
                        continue
                    part = stripped[stripped.index(":20:") :]
                    head = ":"
                elif stripped.startswith("-}") or stripped == "-":
                    if current is not None:
                        yield current
                        current = None
                    yield number
                    continue
            if head == ":":
                match = _TAG.match(part)
                if match is not None and match.group(1) in _KNOWN_TAGS:
                    if current is not None:
                        yield current
                    current = _Tag(match.group(1), number, part.rstrip())
                    continue
            elif not part or part.isspace():
                continue
            if current is not None:
                current.text += "\n" + part.rstrip()
    if current is not None:
        yield current


def parse_mt940(data: bytes, *, encoding: str | None = None) -> StatementFile:
    """Every statement of an MT940 file, in file order.

    Raises ``STATEMENT_INVALID`` (with the line) for tags the library cannot
    parse, bad amounts and dates out of range; ``STATEMENT_TRUNCATED`` for a
    statement cut off before its closing balance or tags outside any statement.
    """
    drafts: list[StatementDraft] = []
    block: _Block | None = None
    separated_at: int | None = None
    for item in _tags(data, encoding):
        if isinstance(item, int):  # a separator ends the statement
            if block is not None:
                drafts.append(_close(block))
                block = None
            separated_at = item
            continue
        if item.name == "20":
            if block is not None:
                drafts.append(_close(block))
            block = _Block(item.line, mt940.models.Transactions(options=mt940.Options.all()))
        elif block is None:
            after = (
                f" after the statement separator of line {separated_at}"
                if separated_at is not None
                else ""
            )
            raise StatementError(
                ErrorCode.STATEMENT_TRUNCATED,
                f"{_TAG_NAMES.get(item.name, ':' + item.name + ':')} outside any statement"
                f"{after}: a statement starts with :20:; the file is a fragment",
                line=item.line,
            )
        _add(block, item)
    if block is not None:
        drafts.append(_close(block))
    if not drafts:
        raise StatementError(
            ErrorCode.STATEMENT_TRUNCATED, "no MT940 statement (:20:) found in the file"
        )
    return finish(StatementFormat.MT940, data, drafts)


def _add(block: _Block, tag: _Tag) -> None:
    if tag.name in ("62", "64", "65") and block.pending_lines:
        _flush(block)  # a statement-level :86: after the closing is no line's detail
    if tag.name == "61":
        if not _STRICT_61.match(tag.text):
            raise invalid(
                "statement line (:61:) does not follow SWIFT's 6!n[4!n]2a[1!a]15d1!a3!c "
                f"(value date, entry date, mark, amount, type): {tag.text[:80]!r}",
                line=tag.line,
            )
        if block.pending_lines >= BATCH:
            _flush(block)
        block.pending_lines += 1
    block.pending.append(tag)


def _feed(block: _Block, tags: list[_Tag]) -> None:
    """Hand tags to the library; on failure, find and name the tag it refused."""
    try:
        block.collection.parse("\n".join(tag.text for tag in tags))
    except StatementError:  # pragma: no cover - the library raises its own errors
        raise
    except Exception:  # the library raises RuntimeError, ValueError, KeyError …
        block.collection.transactions.clear()
        for tag in tags:
            try:
                block.collection.parse(tag.text)
            except Exception as error:
                what = _TAG_NAMES.get(tag.name, f":{tag.name}:")
                reason_text = describe(error)
                raise invalid(
                    f"{what} does not follow the MT940 field format: {tag.text[:80]!r}"
                    + ("" if "Unable to parse" in reason_text else f" ({reason_text[:120]})"),
                    line=tag.line,
                ) from None
        raise invalid(  # pragma: no cover - each tag parsed alone, the batch did not
            "MT940 tags could not be parsed together", line=tags[0].line
        ) from None


def _flush(block: _Block) -> None:
    """Parse the pending tags and turn the library's transactions into drafts."""
    if not block.pending:
        return
    tags, block.pending, block.pending_lines = block.pending, [], 0
    header_needed = not block.header
    _feed(block, tags)
    if header_needed:
        _read_header(block, tags[0].line)
    statement_tags = [tag for tag in tags if tag.name == "61"]
    transactions = block.collection.transactions
    if len(transactions) != len(statement_tags):
        raise invalid(
            f"{len(statement_tags)} :61: tags but {len(transactions)} lines parsed",
            line=(statement_tags or tags)[0].line,
        )
    details: dict[int, list[str]] = {}
    owner: int | None = None
    for tag in tags:
        if tag.name == "61":
            owner = tag.line
            details[owner] = [tag.text]
        elif tag.name in ("86", "NS") and owner is not None:
            details[owner].append(tag.text)
        else:
            owner = None
    for transaction, tag in zip(transactions, statement_tags, strict=True):
        _line(block, transaction.data, tag.line, "\n".join(details[tag.line]).strip())
    transactions.clear()


def _read_header(block: _Block, line: int) -> None:
    info = block.collection.data
    account = str(info.get("account_identification") or "").strip().replace(" ", "")
    if not account:
        raise invalid("statement without account (:25:)", line=block.first_line, field="account")
    opening = _balance(info, "final_opening_balance", "intermediate_opening_balance")
    if opening is None:
        raise StatementError(
            ErrorCode.STATEMENT_TRUNCATED,
            "statement without opening balance (:60F:/:60M:) before its lines",
            line=block.first_line,
        )
    block.account = sys.intern(account)
    block.currency = normalize_currency(
        str(getattr(opening.amount, "currency", "") or ""), line=line
    )
    block.header = dict(info)


def _line(block: _Block, tx: dict[str, Any], line_no: int, raw: str) -> None:
    currency = block.currency
    stated = tx.get("currency")
    if stated and stated != currency and normalize_currency(str(stated), line=line_no) != currency:
        raise invalid("line currency differs from the statement's", line=line_no)
    value_date = _as_date(tx.get("date"), line=line_no, field="value_date")
    entry_date = tx.get("entry_date")
    status = str(tx.get("status") or "").upper()
    details = str(tx.get("transaction_details") or "").strip()
    extra = str(tx.get("extra_details") or "").strip()
    customer_reference = str(tx.get("customer_reference") or "").strip() or None
    fields = _slash_fields(details)
    draft = LineDraft(
        account=block.account,
        currency=currency,
        booking_date=(
            _as_date(entry_date, line=line_no, field="booking_date")
            if isinstance(entry_date, date)
            else value_date  # clamped into the period once the closing date is known
        ),
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
        # Structured :86:: the remittance text is the purpose (name and account have
        # their own fields, the whole :86: stays in raw); free text is kept whole.
        purpose=" ".join(part for part in (fields.get("REMI") or details, extra) if part),
        running_balance_minor=None,
        is_reversal=status.startswith("R"),
        transaction_code=_interned(tx.get("id")),
        raw=raw,
        source_line=line_no,
    )
    block.lines.append(draft)
    if not isinstance(entry_date, date):
        block.undated.append(draft)


def _close(block: _Block) -> StatementDraft:
    """The statement's draft once its last tag is read."""
    _flush(block)
    if not block.header:
        _read_header(block, block.first_line)
    info = block.collection.data
    closing = _balance(info, "final_closing_balance", "intermediate_closing_balance")
    if closing is None:
        raise StatementError(
            ErrorCode.STATEMENT_TRUNCATED,
            "statement cut off: no closing balance (:62F:/:62M:) before the next statement "
            "or the end of the file",
            line=block.first_line,
        )
    opening = _balance(block.header, "final_opening_balance", "intermediate_opening_balance")
    currency = block.currency
    closing_currency = normalize_currency(str(getattr(closing.amount, "currency", "") or ""))
    if closing_currency != currency:
        raise invalid("opening and closing balance in different currencies", line=block.first_line)
    opening_date = _as_date(opening.date, line=block.first_line, field="opening_date")
    closing_date = _as_date(closing.date, line=block.first_line, field="closing_date")
    low, high = min(opening_date, closing_date), max(opening_date, closing_date)
    for draft in block.undated:
        draft.booking_date = min(max(draft.booking_date, low), high)
    sequence = block.header.get("statement_number")
    if block.header.get("sequence_number"):
        sequence = f"{sequence}/{block.header['sequence_number']}"
    reference = str(block.header.get("transaction_reference") or "").strip()
    return StatementDraft(
        statement_id=f"{reference}:{sequence}" if sequence else reference,
        account=block.account,
        currency=currency,
        opening_date=opening_date,
        opening_minor=minor_units(
            _decimal(opening.amount, line=block.first_line, field="opening"),
            currency,
            line=block.first_line,
            field="opening",
        ),
        closing_date=closing_date,
        closing_minor=minor_units(
            _decimal(closing.amount, line=block.first_line, field="closing"),
            currency,
            line=block.first_line,
            field="closing",
        ),
        opening_derived=False,
        sequence=str(sequence) if sequence else None,
        lines=booking_order(block.lines),
    )


def _balance(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = data.get(key)
        if value is not None:
            return value
    return None


@lru_cache(maxsize=4096)
def _day(year: int, month: int, day: int) -> date:
    """One shared ``date`` object per day: a large file has few distinct days."""
    return date(year, month, day)


def _as_date(value: Any, *, line: int, field: str) -> date:
    if not isinstance(value, date):
        raise invalid(f"missing {field}", line=line, field=field)
    return check_date(_day(value.year, value.month, value.day), line=line, field=field)


def _decimal(amount: Any, *, line: int, field: str) -> Decimal:
    value = getattr(amount, "amount", None)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise invalid(f"missing or invalid amount in {field}", line=line, field=field)
    return value


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


def _interned(value: Any) -> str | None:
    """Transaction type codes repeat on every line: one string object each."""
    text = _text(value)
    return sys.intern(text) if text is not None else None
