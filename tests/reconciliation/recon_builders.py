"""Statement files written from each format's specification, for the tests.

Nothing here is copied from a bank: MT940 follows the SWIFT MT940 field
layout, camt.053 the ISO 20022 message definitions (.02 to .08, the
differences handled by the parser are reproduced per version), OFX the OFX
1.02 SGML and 2.x XML specifications.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from riskpool.reconciliation.matching import LedgerItem
from riskpool.reconciliation.model import StatementLine

ACCOUNT = "CN0310000000000012345"
SHA = "f" * 64


# -- MT940 --------------------------------------------------------------------------


def mt940_amount(value: Decimal) -> str:
    return f"{abs(value):.2f}".replace(".", ",")


def mt940_balance(tag: str, value: Decimal, day: date, currency: str = "CNY") -> str:
    mark = "C" if value >= 0 else "D"
    return f":{tag}:{mark}{day:%y%m%d}{currency}{mt940_amount(value)}"


def mt940_statement(
    *,
    reference: str,
    account: str,
    number: str,
    opening: Decimal,
    opening_day: date,
    lines: list[tuple[date, Decimal, str, str, str]],
    closing_tag: str = "62F",
    opening_tag: str = "60F",
    closing: Decimal | None = None,
    envelope: bool = True,
) -> str:
    """One MT940 message. Each line is (booking day, signed amount, customer ref,
    bank ref, :86: text); a customer ref starting with ``R`` makes it a reversal."""
    body = [f":20:{reference}", f":25:{account}", f":28C:{number}"]
    body.append(mt940_balance(opening_tag, opening, opening_day))
    total = opening
    last_day = opening_day
    for day, amount, customer_ref, bank_ref, details in lines:
        reversal = customer_ref.startswith("R")
        mark = ("RD" if amount > 0 else "RC") if reversal else ("C" if amount > 0 else "D")
        body.append(
            f":61:{day:%y%m%d}{day:%m%d}{mark}{mt940_amount(amount)}NTRF{customer_ref}//{bank_ref}"
        )
        if details:
            body.append(f":86:{details}")
        total += amount
        last_day = max(last_day, day)
    body.append(mt940_balance(closing_tag, total if closing is None else closing, last_day))
    text = "\n".join(body)
    if envelope:
        return "{1:F01ICBKCNBJAXXX0000000000}{2:I940ICBKCNBJXXXXN}{4:\n" + text + "\n-}"
    return text


# -- camt.053 -------------------------------------------------------------------------


@dataclass
class CamtTx:
    amount: Decimal | None
    end_to_end: str | None = None
    reference: str | None = None
    party: str | None = None
    party_account: str | None = None
    remittance: str | None = None
    credit: bool | None = None


@dataclass
class CamtEntry:
    amount: Decimal  # signed
    booking: date
    value: date | None = None
    reference: str | None = None
    reversal: bool = False
    status: str = "BOOK"
    txs: list[CamtTx] = field(default_factory=list)


def _camt_amount(value: Decimal) -> str:
    return f"{abs(value):.2f}"


def camt053(
    version: str,
    *,
    opening: Decimal,
    opening_day: date,
    entries: list[CamtEntry],
    closing: Decimal | None = None,
    account: str = ACCOUNT,
    iban: bool = False,
    statement_id: str = "STMT-1",
    statements: int = 1,
    doctype: str = "",
) -> bytes:
    """A camt.053.001.<version> document with ``statements`` copies chained."""
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"
    v = int(version)
    parts: list[str] = []
    balance = opening
    day = opening_day
    for number in range(statements):
        if number:  # the next statement: the same movements, a month later
            entries = [
                replace(e, booking=e.booking + timedelta(days=31), value=None) for e in entries
            ]
        total = balance + sum((e.amount for e in entries if e.status == "BOOK"), Decimal(0))
        closing_value = total if closing is None else closing
        last_day = max([day, *[e.booking for e in entries]])
        acct_id = f"<IBAN>{account}</IBAN>" if iban else f"<Othr><Id>{account}</Id></Othr>"
        xml = [f"<Stmt><Id>{statement_id}-{number}</Id><ElctrncSeqNb>{number + 1}</ElctrncSeqNb>"]
        xml.append(f"<CreDtTm>{last_day.isoformat()}T18:00:00</CreDtTm>")
        xml.append(f"<Acct><Id>{acct_id}</Id><Ccy>CNY</Ccy></Acct>")
        for code, value, when in (("OPBD", balance, day), ("CLBD", closing_value, last_day)):
            indicator = "CRDT" if value >= 0 else "DBIT"
            xml.append(
                f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
                f'<Amt Ccy="CNY">{_camt_amount(value)}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
                f"<Dt><Dt>{when.isoformat()}</Dt></Dt></Bal>"
            )
        for entry in entries:
            xml.append(_camt_entry(entry, v))
        xml.append("</Stmt>")
        parts.append("".join(xml))
        balance, day = closing_value, last_day
    header = '<?xml version="1.0" encoding="UTF-8"?>\n' + doctype
    return (
        header + f'<Document xmlns="{ns}"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2025-01-31T18:00:00</CreDtTm></GrpHdr>"
        + "\n".join(parts)
        + "</BkToCstmrStmt></Document>"
    ).encode()


def _camt_entry(entry: CamtEntry, version: int) -> str:
    indicator = "CRDT" if entry.amount > 0 else "DBIT"
    status = f"<Sts>{entry.status}</Sts>" if version <= 5 else f"<Sts><Cd>{entry.status}</Cd></Sts>"
    xml = [f"<Ntry><NtryRef>{entry.reference or ''}</NtryRef>"]
    xml.append(
        f'<Amt Ccy="CNY">{_camt_amount(entry.amount)}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
    )
    if entry.reversal:
        xml.append("<RvslInd>true</RvslInd>")
    xml.append(status)
    xml.append(f"<BookgDt><Dt>{entry.booking.isoformat()}</Dt></BookgDt>")
    if entry.value is not None:
        xml.append(f"<ValDt><Dt>{entry.value.isoformat()}</Dt></ValDt>")
    if entry.reference:
        xml.append(f"<AcctSvcrRef>{entry.reference}</AcctSvcrRef>")
    xml.append(
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
    )
    if entry.txs:
        xml.append("<NtryDtls>")
        if len(entry.txs) > 1:
            xml.append(f"<Btch><NbOfTxs>{len(entry.txs)}</NbOfTxs></Btch>")
        for tx in entry.txs:
            xml.append(_camt_tx(tx, entry, version))
        xml.append("</NtryDtls>")
    xml.append("</Ntry>")
    return "".join(xml)


def _camt_tx(tx: CamtTx, entry: CamtEntry, version: int) -> str:
    credit = tx.credit if tx.credit is not None else entry.amount > 0
    xml = ["<TxDtls><Refs>"]
    if tx.reference:
        xml.append(f"<AcctSvcrRef>{tx.reference}</AcctSvcrRef>")
    xml.append(f"<EndToEndId>{tx.end_to_end or 'NOTPROVIDED'}</EndToEndId></Refs>")
    if tx.amount is not None:
        amount = f'<Amt Ccy="CNY">{_camt_amount(tx.amount)}</Amt>'
        if version == 2:
            xml.append(f"<AmtDtls><TxAmt>{amount}</TxAmt></AmtDtls>")
        else:
            xml.append(amount + f"<CdtDbtInd>{'CRDT' if credit else 'DBIT'}</CdtDbtInd>")
    if tx.party:
        role, account_role = ("Dbtr", "DbtrAcct") if credit else ("Cdtr", "CdtrAcct")
        name = f"<Pty><Nm>{tx.party}</Nm></Pty>" if version >= 8 else f"<Nm>{tx.party}</Nm>"
        xml.append(f"<RltdPties><{role}>{name}</{role}>")
        if tx.party_account:
            xml.append(
                f"<{account_role}><Id><Othr><Id>{tx.party_account}</Id></Othr></Id></{account_role}>"
            )
        xml.append("</RltdPties>")
    if tx.remittance:
        xml.append(f"<RmtInf><Ustrd>{tx.remittance}</Ustrd></RmtInf>")
    xml.append("</TxDtls>")
    return "".join(xml)


# -- model values -----------------------------------------------------------------------


def line(
    key: str,
    day: date,
    amount: int,
    *,
    reference: str | None = None,
    end_to_end: str | None = None,
    party: str | None = None,
    reversal: bool = False,
    balance: int | None = None,
    account: str = ACCOUNT,
    currency: str = "CNY",
    source_line: int = 1,
) -> StatementLine:
    return StatementLine(
        account=account,
        currency=currency,
        booking_date=day,
        value_date=day,
        amount_minor=amount,
        bank_reference=reference,
        end_to_end_id=end_to_end,
        counterparty_name=party,
        counterparty_account=None,
        purpose="",
        running_balance_minor=balance,
        is_reversal=reversal,
        transaction_code=None,
        raw="",
        source_sha256=SHA,
        source_line=source_line,
        dedup_key=f"{account}|t|{key}",
    )


def item(
    seq: int,
    day: date,
    amount: int,
    *,
    reference: str | None = None,
    party: str | None = None,
    entry_id: int | None = None,
    reverses: int | None = None,
) -> LedgerItem:
    return LedgerItem(
        posting_seq=seq,
        entry_id=seq if entry_id is None else entry_id,
        date=day,
        amount_minor=amount,
        currency="CNY",
        reference=reference,
        counterparty=party,
        description="",
        reverses=reverses,
    )


# -- large MT940 files ---------------------------------------------------------------


LARGE_ACCOUNT = "0200001234567890"
"""The account of :func:`large_mt940`'s statements."""


def large_mt940(text_lines: int, *, account: str = LARGE_ACCOUNT) -> bytes:
    """An MT940 file of about ``text_lines`` lines: one statement, three text lines per
    statement line (``:61:`` and a two-line structured ``:86:``), in SWIFT's character
    set X as banks send them — about 66 bytes a text line (the 200,000-line file of
    issue 17 had 83)."""
    count = max(1, (text_lines - 6) // 3)
    out = [
        "{1:F01ICBKCNBJAXXX0000000000}{2:I940ICBKCNBJXXXXN}{4:",
        ":20:BULK0001",
        f":25:{account}",
        ":28C:1/1",
        ":60F:C250101CNY1000000,00",
    ]
    total = 1_000_000_00
    day = date(2025, 1, 2)
    for k in range(count):
        if k and k % 400 == 0:
            day += timedelta(days=1)
        amount = (k * 7919) % 900_000 + 100
        credit = k % 3 != 0
        total += amount if credit else -amount
        out.append(
            f":61:{day:%y%m%d}{day:%m%d}{'C' if credit else 'D'}{amount // 100},{amount % 100:02d}"
            f"NTRFE2E{k:09d}//B{k:012d}"
        )
        out.append(
            f":86:/NAME/ZHENGZHOU KEJI YOUXIAN GONGSI {k % 997:03d}/ACCT/62220000{k:08d}/PURP/CBFF"
        )
        out.append(f"/REMI/FENGXIAN BUCHANGJIN {k:07d} HT ZZ-2025-{k % 9973:05d}/EREF/E2E{k:09d}")
    mark = "C" if total >= 0 else "D"
    out.append(f":62F:{mark}{day:%y%m%d}CNY{abs(total) // 100},{abs(total) % 100:02d}")
    out.append("-}")
    return ("\n".join(out) + "\n").encode("utf-8")
