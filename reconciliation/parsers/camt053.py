"""ISO 20022 camt.053 (BankToCustomerStatement), versions .001.02 to .001.08.

Why namespace-agnostic: the versions differ in namespace but hardly in the
elements we read, so elements are addressed by local name and the namespace
is only checked to name the version. What does differ is handled explicitly:

* entry status: ``<Sts>BOOK</Sts>`` (.02–.05) or ``<Sts><Cd>BOOK</Cd></Sts>``;
* transaction amount: ``TxDtls/Amt`` (.03+) or ``TxDtls/AmtDtls/TxAmt/Amt`` (.02);
* party name: ``Dbtr/Nm`` (≤ .07) or ``Dbtr/Pty/Nm`` (.08).

Why lxml ``iterparse`` and how it is hardened: the file is walked once and
each ``Stmt`` is cleared when read, so memory does not grow with the number of
statements. The parser never resolves entities, never loads a DTD, never
touches the network; and, as defusedxml prescribes, a document that carries a
DTD or entity declarations at all is refused before its first element is
read — a camt.053 never has one. The refusal raises defusedxml's own
``DTDForbidden``/``EntitiesForbidden`` internally and surfaces as
``UNSAFE_INPUT``. (defusedxml's lxml module is deprecated and has no
``iterparse``; its check is applied here on the streaming parser.)

Only booked entries (status ``BOOK``) are lines: pending (``PDNG``) and
information-only (``INFO``) entries do not move the booked balance.

Batch entries: an entry with several ``TxDtls`` that all carry an amount is
split into one line per transaction — the ledger books the payouts of a
batch one by one — and the split must add up to the entry, or the file is
refused. An entry whose details carry no amounts stays one line.

Reversals: ``RvslInd`` true marks a line as a reversal; its sign is its own
``CdtDbtInd`` (ISO: a reversal of a debit is booked as a credit).

Balances: opening is ``OPBD`` (or ``PRCD``, the previous closing), closing
is ``CLBD``; a page of a multi-page statement may instead carry interim
booked balances (``ITBD``), the first taken as opening, the last as closing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from defusedxml.common import DTDForbidden, EntitiesForbidden
from lxml import etree  # type: ignore[import-untyped]

from riskpool.errors import ErrorCode
from riskpool.reconciliation.errors import StatementError, invalid
from riskpool.reconciliation.model import StatementFile, StatementFormat
from riskpool.reconciliation.parsers.common import (
    LineDraft,
    StatementDraft,
    booking_order,
    check_date,
    finish,
    normalize_currency,
    parse_amount,
    parse_date,
)

SUPPORTED_VERSIONS = ("02", "03", "04", "05", "06", "07", "08")
_VERSION_RE = re.compile(r"camt\.053\.001\.(\d{2})")
_Element = Any  # lxml's _Element is not typed for mypy without stubs


def _local(element: _Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _children(element: _Element, name: str) -> Iterator[_Element]:
    for child in element:
        if _local(child) == name:
            yield child


def _find(element: _Element | None, *path: str) -> _Element | None:
    """The first element along ``path`` of local names, or ``None``."""
    current = element
    for name in path:
        if current is None:
            return None
        current = next(_children(current, name), None)
    return current


def _text(element: _Element | None, *path: str) -> str | None:
    found = _find(element, *path)
    if found is None or found.text is None:
        return None
    text = str(found.text).strip()
    return text or None


def _refuse_dtd(element: _Element) -> None:
    """defusedxml's rule (forbid DTD and entity declarations), on the streaming parser."""
    docinfo = element.getroottree().docinfo
    try:
        for dtd in (docinfo.internalDTD, docinfo.externalDTD):
            if dtd is not None:
                for entity in dtd.iterentities():
                    raise EntitiesForbidden(entity.name, entity.content, None, None, None, None)
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise DTDForbidden(docinfo.doctype, docinfo.system_url, docinfo.public_id)
    except (DTDForbidden, EntitiesForbidden) as error:
        raise StatementError(
            ErrorCode.UNSAFE_INPUT, f"XML with DTD or entity declarations refused: {error}"
        ) from None


def parse_camt053(data: bytes) -> StatementFile:
    """Every ``Stmt`` of a camt.053 document, in document order."""
    events = etree.iterparse(
        io.BytesIO(data),
        events=("start", "end"),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    drafts: list[StatementDraft] = []
    first = True
    try:
        for event, element in events:
            if first:
                first = False
                _refuse_dtd(element)
                _check_root(element)
            if event == "end" and _local(element) == "Stmt":
                drafts.append(_statement(element))
                element.clear()
                parent = element.getparent()
                while parent is not None and element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as error:
        raise invalid(f"malformed XML: {error.msg}", line=error.lineno) from None
    if first:
        raise invalid("empty document")
    if not drafts:
        raise invalid("camt.053 document without statements (Stmt)")
    return finish(StatementFormat.CAMT053, data, drafts)


def _check_root(root: _Element) -> None:
    namespace = root.tag.split("}", 1)[0].lstrip("{") if "}" in root.tag else ""
    match = _VERSION_RE.search(namespace)
    if _local(root) != "Document" or match is None:
        raise StatementError(
            ErrorCode.UNSUPPORTED_FORMAT, f"not a camt.053 document (root {root.tag!r})"
        )
    if match.group(1) not in SUPPORTED_VERSIONS:
        raise StatementError(
            ErrorCode.UNSUPPORTED_FORMAT, f"camt.053.001.{match.group(1)} is not supported"
        )


def _date(element: _Element | None, field: str) -> date | None:
    """``Dt`` or the date part of ``DtTm`` under ``element``."""
    if element is None:
        return None
    line = element.sourceline
    text = _text(element, "Dt")
    if text is not None:
        return parse_date(text, line=line, field=field)
    text = _text(element, "DtTm")
    if text is not None:
        return parse_date(text[:10], line=line, field=field)
    return None


def _signed(element: _Element, currency: str, indicator: str | None, field: str) -> int:
    amount = _find(element, "Amt") if _local(element) != "Amt" else element
    line = element.sourceline
    if amount is None or amount.text is None:
        raise invalid(f"missing amount in {field}", line=line, field=field)
    currency_attr = amount.get("Ccy")
    if currency_attr is not None and normalize_currency(currency_attr, line=line) != currency:
        raise invalid(f"{field} in {currency_attr}, account in {currency}", line=line)
    units = parse_amount(str(amount.text), currency, line=line, field=field)
    if units < 0:
        raise invalid(f"negative amount in {field}; the sign is CdtDbtInd", line=line)
    if indicator == "DBIT":
        return -units
    if indicator == "CRDT":
        return units
    raise invalid(f"CdtDbtInd must be CRDT or DBIT, found {indicator!r}", line=line)


def _statement(stmt: _Element) -> StatementDraft:
    line = stmt.sourceline
    statement_id = _text(stmt, "Id")
    if statement_id is None:
        raise invalid("statement without Id", line=line)
    account = _text(stmt, "Acct", "Id", "IBAN") or _text(stmt, "Acct", "Id", "Othr", "Id")
    if account is None:
        raise invalid("statement without account (Acct/Id)", line=line, field="account")
    account = account.replace(" ", "")
    currency_text = _text(stmt, "Acct", "Ccy")
    if currency_text is None:
        first_balance = _find(stmt, "Bal", "Amt")
        currency_text = first_balance.get("Ccy") if first_balance is not None else None
    if currency_text is None:
        raise invalid("no account currency", line=line, field="currency")
    currency = normalize_currency(currency_text, line=line)

    balances: dict[str, list[tuple[int, date]]] = {}
    for balance in _children(stmt, "Bal"):
        code = _text(balance, "Tp", "CdOrPrtry", "Cd") or _text(balance, "Tp", "CdOrPrtry", "Prtry")
        amount = _signed(balance, currency, _text(balance, "CdtDbtInd"), "Bal")
        day = _date(_find(balance, "Dt"), "Bal/Dt")
        if code is None or day is None:
            raise invalid("balance without type or date", line=balance.sourceline)
        balances.setdefault(code, []).append((amount, day))
    openings = balances.get("OPBD") or balances.get("PRCD") or balances.get("ITBD")
    closings = balances.get("CLBD") or balances.get("ITBD")
    if not openings:
        raise invalid("no opening balance (OPBD/PRCD)", line=line)
    if not closings:
        raise invalid("truncated: no closing balance (CLBD)", line=line)
    opening, closing = openings[0], closings[-1]
    sequence = _text(stmt, "ElctrncSeqNb") or _text(stmt, "LglSeqNb")
    draft = StatementDraft(
        statement_id=statement_id,
        account=account,
        currency=currency,
        opening_date=opening[1],
        opening_minor=opening[0],
        closing_date=closing[1],
        closing_minor=closing[0],
        opening_derived=False,
        sequence=sequence,
    )
    for entry in _children(stmt, "Ntry"):
        draft.lines.extend(_entry_lines(entry, account, currency))
    draft.lines = booking_order(draft.lines)  # Belgian banks' files follow no order
    return draft


def _entry_lines(entry: _Element, account: str, currency: str) -> list[LineDraft]:
    line = entry.sourceline
    status = _text(entry, "Sts", "Cd") or _text(entry, "Sts")
    if status is None:
        raise invalid("entry without status (Sts)", line=line)
    if status != "BOOK":
        return []
    indicator = _text(entry, "CdtDbtInd")
    amount = _signed(entry, currency, indicator, "Ntry/Amt")
    booking = _date(_find(entry, "BookgDt"), "BookgDt")
    if booking is None:
        raise invalid("booked entry without booking date", line=line, field="BookgDt")
    booking = check_date(booking, line=line, field="BookgDt")
    value = _date(_find(entry, "ValDt"), "ValDt")
    reversal = (_text(entry, "RvslInd") or "false").lower() in ("true", "1")
    entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    code = _bank_transaction_code(entry)
    entry_info = _text(entry, "AddtlNtryInf") or ""
    details = [tx for block in _children(entry, "NtryDtls") for tx in _children(block, "TxDtls")]
    raw_entry = etree.tostring(entry, encoding="unicode")

    def draft(
        tx: _Element | None, units: int, raw: str, source_line: int, reference: str | None
    ) -> LineDraft:
        direction = "CRDT" if units > 0 else "DBIT"
        party, party_account = ("Dbtr", "DbtrAcct") if direction == "CRDT" else ("Cdtr", "CdtrAcct")
        parties = _find(tx, "RltdPties")
        name = _text(parties, party, "Nm") or _text(parties, party, "Pty", "Nm")
        counter_account = _text(parties, party_account, "Id", "IBAN") or _text(
            parties, party_account, "Id", "Othr", "Id"
        )
        remittance = (
            " ".join(str(u.text).strip() for u in _children(_find(tx, "RmtInf"), "Ustrd") if u.text)
            if _find(tx, "RmtInf") is not None
            else ""
        )
        purpose = " ".join(
            part for part in (remittance, _text(tx, "AddtlTxInf") or "", entry_info) if part
        )
        end_to_end = _text(tx, "Refs", "EndToEndId")
        return LineDraft(
            account=account,
            currency=currency,
            booking_date=booking,
            value_date=value,
            amount_minor=units,
            bank_reference=reference,
            end_to_end_id=None if end_to_end == "NOTPROVIDED" else end_to_end,
            counterparty_name=name,
            counterparty_account=counter_account.replace(" ", "") if counter_account else None,
            purpose=purpose,
            running_balance_minor=None,
            is_reversal=reversal,
            transaction_code=code,
            raw=raw,
            source_line=source_line,
        )

    split = len(details) > 1 and all(_tx_amount(tx) is not None for tx in details)
    if not split:
        only = details[0] if len(details) == 1 else None
        reference = _text(only, "Refs", "AcctSvcrRef") or entry_ref
        return [draft(only, amount, raw_entry, line, reference)]
    lines = []
    for tx in details:
        tx_amount = _tx_amount(tx)
        assert tx_amount is not None
        tx_indicator = _text(tx, "CdtDbtInd") or indicator
        units = _signed(tx_amount, currency, tx_indicator, "TxDtls/Amt")
        reference = _text(tx, "Refs", "AcctSvcrRef") or entry_ref
        lines.append(
            draft(tx, units, etree.tostring(tx, encoding="unicode"), tx.sourceline, reference)
        )
    total = sum(item.amount_minor for item in lines)
    if total != amount:
        raise invalid(
            f"batch entry's transactions sum to {total} minor units, the entry to {amount}",
            line=line,
        )
    return lines


def _tx_amount(tx: _Element) -> _Element | None:
    # Explicit ``is None``: an lxml element without children is falsy.
    direct = _find(tx, "Amt")
    return direct if direct is not None else _find(tx, "AmtDtls", "TxAmt", "Amt")


def _bank_transaction_code(entry: _Element) -> str | None:
    domain = _find(entry, "BkTxCd", "Domn")
    if domain is not None:
        parts = (
            _text(domain, "Cd"),
            _text(domain, "Fmly", "Cd"),
            _text(domain, "Fmly", "SubFmlyCd"),
        )
        return "/".join(part for part in parts if part) or None
    return _text(entry, "BkTxCd", "Prtry", "Cd")
