"""The canonical statement: one shape for every bank format we read.

Why one model: matching, the integrity proof, the report and (later) the
tables only ever see :class:`StatementLine` and :class:`Statement`, so adding
a bank format means adding a parser, nothing else.

Why frozen dataclasses with integer minor units: a line of a bank statement is
a fact from outside — nothing may change it after the parse — and the database
stores money as a BIGINT count of fen (see ``ledger/money.py``). Amounts are
kept as ``*_minor`` integers, exact and cheap to hash and compare (the matcher
handles 10⁵ lines a second); :attr:`StatementLine.amount` and friends give the
py-moneyed ``Money`` view.

Sign convention: ``amount_minor > 0`` is money **into** the pool's account (a
bank credit, 贷 on the customer's statement), ``< 0`` money out (借). That is
the same sign as a posting on the ledger's cash account, which is
debit-positive, so a line and the posting it explains have equal amounts.

How the records map to tables (persistence comes later): one row per
:class:`StatementFile` keyed by ``source_sha256``; one per :class:`Statement`
keyed by (account, statement_id); one per :class:`StatementLine` with a unique
(account, ``dedup_key``) — importing the same file twice, or an overlapping
one, inserts nothing new.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from moneyed import Money

from riskpool.ledger.money import from_minor


class StatementFormat(enum.StrEnum):
    """The source format a statement was read from."""

    MT940 = "mt940"
    CAMT053 = "camt053"
    OFX = "ofx"
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One booked movement on a bank account, as the bank reports it.

    Attributes:
        account: The bank account the line belongs to (IBAN, or the domestic
            account number as printed by the bank, without spaces).
        currency: ISO 4217 code of the account.
        booking_date: The day the bank booked the movement (记账日期); it is the
            date the bank balance changes, hence the one the report ages by.
        value_date: The interest value date (起息日), if the format gives one.
        amount_minor: Signed amount in minor units; ``+`` is money in.
        bank_reference: The bank's own reference for the movement (MT940
            ``//`` reference, camt ``AcctSvcrRef``, OFX ``FITID``, 流水号), or
            ``None`` when the format has none; the first choice for dedup.
        end_to_end_id: The payer's end-to-end id (camt ``EndToEndId``, the
            MT940 customer reference), which the ledger may also carry.
        counterparty_name: 对方户名, if given.
        counterparty_account: 对方账号, if given.
        purpose: 摘要/用途 and other free text, joined; used by the fallback
            dedup key and for a person reading a proposal.
        running_balance_minor: The balance after this line, when the bank
            prints one (Chinese CSV 余额); checked by the integrity proof.
        is_reversal: The bank marks the line as a reversal (冲正: camt
            ``RvslInd``, MT940 ``RC``/``RD``); the report pairs it with its
            original.
        transaction_code: The bank's transaction type code (MT940 ``NTRF``,
            camt ``BkTxCd``, OFX ``TRNTYPE``, 交易类型), informative only.
        raw: The source text of the line, kept verbatim for the audit trail.
        source_sha256: SHA-256 of the whole file the line came from.
        source_line: 1-based line (CSV/MT940) or row (XLSX) or entry ordinal
            (camt, OFX) in the source, for error reports.
        dedup_key: Identity of the movement for idempotent import, unique per
            account (see :mod:`riskpool.reconciliation.dedup`).
    """

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
    source_sha256: str
    source_line: int
    dedup_key: str

    @property
    def amount(self) -> Money:
        return from_minor(self.amount_minor, self.currency)

    @property
    def running_balance(self) -> Money | None:
        if self.running_balance_minor is None:
            return None
        return from_minor(self.running_balance_minor, self.currency)


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement (or one page of a multi-page statement) of one account.

    ``opening_*`` and ``closing_*`` are the balances the bank states. Some
    formats state no opening balance (OFX gives only the closing ledger
    balance; Chinese CSV exports give running balances): then the opening is
    derived as closing − Σ lines (or from the first running balance) and
    ``opening_derived`` is ``True`` — the arithmetic proof is then implied,
    and the continuity check against the previous statement is what proves the
    file (see :mod:`riskpool.reconciliation.integrity`).

    ``statement_id`` is the bank's id (MT940 ``:20:``/``:28C:``, camt
    ``Stmt/Id``) or, when the format has none, one derived from the account
    and the period; ``sequence`` is the bank's page/sequence number if any.
    Lines are in booking order, oldest first, whatever order the file used.
    """

    format: StatementFormat
    statement_id: str
    account: str
    currency: str
    opening_date: date
    opening_minor: int
    closing_date: date
    closing_minor: int
    opening_derived: bool
    lines: tuple[StatementLine, ...]
    source_sha256: str
    sequence: str | None = None

    @property
    def opening(self) -> Money:
        return from_minor(self.opening_minor, self.currency)

    @property
    def closing(self) -> Money:
        return from_minor(self.closing_minor, self.currency)


@dataclass(frozen=True, slots=True)
class StatementFile:
    """Everything read from one file: its fingerprint and its statements.

    ``source_sha256`` identifies the file itself (re-importing the very same
    bytes is recognised before any line is looked at); ``size_bytes`` is what
    the size limit was checked against.
    """

    format: StatementFormat
    source_sha256: str
    size_bytes: int
    statements: tuple[Statement, ...]

    @property
    def lines(self) -> tuple[StatementLine, ...]:
        return tuple(line for statement in self.statements for line in statement.lines)
