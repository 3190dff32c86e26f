"""Demo bank statements for the pool's account, generated from the ledger, and their import.

Why generated from the ledger: the demo's statements must reconcile with the
demo's books wherever the story says they should, and must keep doing so when
the demo's figures change. So the bank's side is derived, deterministically,
from the postings on the reconciled cash account (``CITY_POOL:100201`` in the
demo; the code is a parameter — this module knows no domain, and it sits in the
demo package because it is demo data: reconciliation's own code has no demo),
in two formats:

* ``…-2025H1.sta`` — **MT940**, one message per month, February to June 2025;
* ``…-2025Q3.xml`` — **camt.053.001.08**, 16 June to 30 September 2025, whose
  first statement *overlaps* the MT940's second half of June (the same two
  lines, with the same bank references), as a bank's exports do.

How the bank side differs from the books — the findings a reconciliation must
show on 2025-09-30:

* **bank fees not booked**: 账户管理费 300.00 on 2025-06-30 and 跨行汇款手续费
  45.00 on 2025-09-10, charged by the bank and not (yet) in the ledger;
* **a late credit**: the last incoming non-interest credit of the period (the
  追偿 recovery of 2025-09-24) is in the ledger but reaches the bank only in
  October, so it is not on the statements;
* **a duplicate line**: the bank debited the last compensation payment of the
  period twice (same end-to-end id, two bank references).

What a person must decide: outgoing payments and the reserve transfer carry
the ledger's reference as end-to-end id and are matched exactly (confirmed at
once); interest and the finance bureau's allocation arrive with the bank's
text only, so they are *proposals* that finance staff confirm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape

from riskpool.ledger.money import currency_exponent
from riskpool.reconciliation.matching import LedgerItem
from riskpool.reconciliation.records import BankAccount, ImportResult, RunResult
from riskpool.reconciliation.service import ReconciliationService
from riskpool.reconciliation.store import ReconciliationStore

DEMO_BANK_ACCOUNT = "41050100070309000201"
"""The pool's special account (资金专户) at the demo's bank, as printed on statements."""
DEMO_RESERVE_ACCOUNT = "41050100070309000101"
"""The 郑科贷 reserve's account at the same bank (no statements in the demo)."""
BANK_NAME = "郑州银行股份有限公司"
H1_END = date(2025, 6, 30)
Q3_START = date(2025, 6, 16)
Q3_END = date(2025, 9, 30)
DEMO_FINANCE_RUNNER = "demo-finance-1"
"""Who imports and runs the demo's matching; a second person confirms (four eyes)."""


DEMO_ACCOUNTS = (
    BankAccount(None, BANK_NAME, DEMO_BANK_ACCOUNT, "CNY", "CITY_POOL", "100201", date(2025, 1, 2)),
    BankAccount(
        None, BANK_NAME, DEMO_RESERVE_ACCOUNT, "CNY", "ZKD_RESERVE", "100201", date(2018, 10, 8)
    ),
)
"""The demo fund's bank accounts: the pool's and the reserve's, each mirroring its
book's cash account. The pool's account was opened before the fusion (2025-02-06)
so that the first statement (opening 2025-01-31) is of an account already open."""


async def register_demo_accounts(
    service: ReconciliationService, *, actor: str = DEMO_FINANCE_RUNNER
) -> tuple[BankAccount, ...]:
    """Register the demo's bank accounts, those not registered yet (idempotent)."""
    held = {a.number for a in await service.accounts()}
    for account in DEMO_ACCOUNTS:
        if account.number not in held:
            await service.register_account(actor, account)
    return tuple(await service.accounts())


@dataclass(frozen=True, slots=True)
class DemoFile:
    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class _BankLine:
    day: date
    amount_minor: int
    bank_ref: str
    end_to_end: str | None
    counterparty: str
    purpose: str


@dataclass(frozen=True, slots=True)
class DemoReconciliation:
    imports: tuple[ImportResult, ...]
    run: RunResult | None


def _is_interest(item: LedgerItem) -> bool:
    return (item.reference or "").startswith("interest:")


def _bank_lines(items: Sequence[LedgerItem]) -> list[_BankLine]:
    """The bank's view of the account up to :data:`Q3_END` (see the module docstring)."""
    period = sorted((i for i in items if i.date <= Q3_END), key=lambda i: (i.date, i.posting_seq))
    credits = [i for i in period if i.amount_minor > 0 and not _is_interest(i) and i.date > H1_END]
    late = credits[-1].posting_seq if credits else None
    payments = [i for i in period if i.amount_minor < 0 and i.date > H1_END]
    duplicated = payments[-1].posting_seq if payments else None
    drafts: list[tuple[date, int, str | None, str, str]] = []
    for item in period:
        if item.posting_seq == late:
            continue  # reaches the bank after the statement period
        ours = item.amount_minor < 0 or "transfer" in (item.reference or "")
        if _is_interest(item):
            party = BANK_NAME
        elif item.amount_minor > 0:
            party = "郑州市财政局" if not ours else "郑科贷风险补偿准备金专户"
        else:
            party = item.counterparty or "合作金融机构"
        reference = item.reference if ours and item.reference and item.reference.isascii() else None
        drafts.append((item.date, item.amount_minor, reference, party, item.description[:60]))
        if item.posting_seq == duplicated:
            drafts.append((item.date, item.amount_minor, reference, party, item.description[:60]))
    drafts.append((H1_END, -30_000, None, BANK_NAME, "账户管理费"))
    fee_day = payments[-1].date if payments else Q3_END
    drafts.append((fee_day, -4_500, None, BANK_NAME, "跨行汇款手续费（3笔）"))
    drafts.sort(key=lambda d: d[0])  # stable: ledger order, then the bank's own lines
    lines: list[_BankLine] = []
    per_day: dict[date, int] = {}
    for day, amount, reference, party, purpose in drafts:
        per_day[day] = per_day.get(day, 0) + 1
        bank_ref = f"ZZB{day:%y%m%d}{per_day[day]:04d}"
        lines.append(_BankLine(day, amount, bank_ref, reference, party, purpose))
    return lines


def _decimal(units: int, comma: bool) -> str:
    exponent = currency_exponent("CNY")
    text = f"{abs(units) // 10**exponent}.{abs(units) % 10**exponent:0{exponent}d}"
    return text.replace(".", ",") if comma else text


def _month_ends(first: date, last: date) -> list[tuple[date, date]]:
    periods: list[tuple[date, date]] = []
    start = first.replace(day=1)
    while start <= last:
        following = (start + timedelta(days=32)).replace(day=1)
        periods.append((start, following - timedelta(days=1)))
        start = following
    return periods


def _mt940(lines: Sequence[_BankLine], account: str) -> bytes:
    h1 = [line for line in lines if line.day <= H1_END]
    if not h1:
        return b""
    balance = 0
    messages: list[str] = []
    for number, (start, end) in enumerate(_month_ends(h1[0].day, H1_END), start=1):
        opening_day = start - timedelta(days=1)
        body = [
            f":20:DEMO{end:%y%m}",
            f":25:{account}",
            f":28C:{number}/1",
            f":60F:C{opening_day:%y%m%d}CNY{_decimal(balance, True)}",
        ]
        for line in (x for x in h1 if start <= x.day <= end):
            mark = "C" if line.amount_minor > 0 else "D"
            body.append(
                f":61:{line.day:%y%m%d}{line.day:%m%d}{mark}{_decimal(line.amount_minor, True)}"
                f"NTRFNONREF//{line.bank_ref}"
            )
            details = f"/NAME/{line.counterparty}/REMI/{line.purpose}"
            if line.end_to_end:
                details = f"/EREF/{line.end_to_end}" + details
            body.append(f":86:{details}")
            balance += line.amount_minor
        body.append(f":62F:C{end:%y%m%d}CNY{_decimal(balance, True)}")
        messages.append(
            "{1:F01ZZBKCNBNAXXX0000000000}{2:I940ZZBKCNBNXXXXN}{4:\n" + "\n".join(body) + "\n-}"
        )
    return ("\n".join(messages) + "\n").encode("utf-8")


def _camt_balance(code: str, units: int, day: date) -> str:
    indicator = "CRDT" if units >= 0 else "DBIT"
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="CNY">{_decimal(units, False)}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
        f"<Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
    )


def _camt_entry(line: _BankLine) -> str:
    credit = line.amount_minor > 0
    indicator = "CRDT" if credit else "DBIT"
    role = "Dbtr" if credit else "Cdtr"
    end_to_end = escape(line.end_to_end) if line.end_to_end else "NOTPROVIDED"
    return (
        f"<Ntry><NtryRef>{line.bank_ref}</NtryRef>"
        f'<Amt Ccy="CNY">{_decimal(line.amount_minor, False)}</Amt>'
        f"<CdtDbtInd>{indicator}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
        f"<BookgDt><Dt>{line.day.isoformat()}</Dt></BookgDt>"
        f"<ValDt><Dt>{line.day.isoformat()}</Dt></ValDt>"
        f"<AcctSvcrRef>{line.bank_ref}</AcctSvcrRef>"
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly>"
        "</Domn></BkTxCd><NtryDtls><TxDtls>"
        f"<Refs><AcctSvcrRef>{line.bank_ref}</AcctSvcrRef><EndToEndId>{end_to_end}</EndToEndId>"
        f'</Refs><Amt Ccy="CNY">{_decimal(line.amount_minor, False)}</Amt>'
        f"<CdtDbtInd>{indicator}</CdtDbtInd>"
        f"<RltdPties><{role}><Pty><Nm>{escape(line.counterparty)}</Nm></Pty></{role}>"
        f"</RltdPties><RmtInf><Ustrd>{escape(line.purpose)}</Ustrd></RmtInf>"
        "</TxDtls></NtryDtls></Ntry>"
    )


def _camt053(lines: Sequence[_BankLine], account: str) -> bytes:
    before = sum(line.amount_minor for line in lines if line.day < Q3_START)
    periods = [(Q3_START, date(2025, 7, 31)), *_month_ends(date(2025, 8, 1), Q3_END)]
    balance = before
    parts: list[str] = []
    for number, (start, end) in enumerate(periods, start=1):
        entries = [line for line in lines if start <= line.day <= end]
        closing = balance + sum(line.amount_minor for line in entries)
        parts.append(
            f"<Stmt><Id>DEMO-CAMT-{end:%Y%m}</Id><ElctrncSeqNb>{number}</ElctrncSeqNb>"
            f"<CreDtTm>{end.isoformat()}T18:00:00</CreDtTm>"
            f"<Acct><Id><Othr><Id>{account}</Id></Othr></Id><Ccy>CNY</Ccy></Acct>"
            + _camt_balance("OPBD", balance, start)
            + _camt_balance("CLBD", closing, end)
            + "".join(_camt_entry(line) for line in entries)
            + "</Stmt>"
        )
        balance = closing
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>DEMO-CAMT-{Q3_END:%Y%m%d}</MsgId>"
        f"<CreDtTm>{Q3_END.isoformat()}T18:00:00</CreDtTm></GrpHdr>"
        + "\n".join(parts)
        + "</BkToCstmrStmt></Document>\n"
    ).encode("utf-8")


def render_demo_files(
    items: Sequence[LedgerItem], *, bank_account: str = DEMO_BANK_ACCOUNT, name: str = "pool"
) -> tuple[DemoFile, ...]:
    """The demo's two statement files from the cash account's postings (pure)."""
    lines = _bank_lines(items)
    return (
        DemoFile(f"{name}-2025H1.sta", _mt940(lines, bank_account)),
        DemoFile(f"{name}-2025Q3.xml", _camt053(lines, bank_account)),
    )


async def demo_statement_files(
    service: ReconciliationService, *, bank_account: str = DEMO_BANK_ACCOUNT
) -> tuple[DemoFile, ...]:
    """Read the pool's cash account's postings and render the demo statements."""
    pool = DEMO_ACCOUNTS[0]
    async with service.db.transaction(write=False) as conn:
        store = ReconciliationStore(conn)
        cash = await store.cash_account(pool.book, pool.ledger_account)
        items = list((await store.ledger_items(cash)).values())
    name = f"{cash.book}-{cash.code}"
    return render_demo_files(items, bank_account=bank_account, name=name)


async def load_demo_statements(
    service: ReconciliationService, *, actor: str = DEMO_FINANCE_RUNNER
) -> DemoReconciliation:
    """Register the demo's accounts, import the pool's statements and run the matching of
    the pool's account once (idempotent).

    Loading again imports nothing new (the files are known by their hash) and
    therefore runs nothing; the proposals stay open for a second person.
    """
    await register_demo_accounts(service, actor=actor)
    bank_account = DEMO_BANK_ACCOUNT
    files = await demo_statement_files(service, bank_account=bank_account)
    imports = tuple(
        [
            await service.import_file(actor, demo.content, filename=demo.filename)
            for demo in files
            if demo.content
        ]
    )
    if not any(result.lines_added for result in imports):
        return DemoReconciliation(imports, None)
    (run,) = await service.run(actor, bank_account=bank_account)
    return DemoReconciliation(imports, run)
