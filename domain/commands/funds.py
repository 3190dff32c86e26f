"""Commands of the funds' own money. Each handler returns the journal entries it
posted (a settlement with no shortfall posts none), so every one of them has
the same result type and the same replay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from moneyed import Money

from riskpool.domain.commands import Command
from riskpool.domain.model.chart import BookCode
from riskpool.ledger.model import JournalEntry

Posted = tuple[JournalEntry, ...]
"""What a fund command returns: its entries, in the order they were posted."""


@dataclass(frozen=True, slots=True)
class SetUpChart(Command[None]):
    """Create every book and account of the chart that does not exist yet (idempotent)."""

    operation: ClassVar[str] = "fund.setup"


@dataclass(frozen=True, slots=True)
class ReserveTranche(Command[Posted]):
    """A tranche of the 郑科贷 reserve (郑政办[2018]97号)."""

    operation: ClassVar[str] = "fund.tranche"
    tranche_no: int
    on: date
    amount: Money
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class AllocateFunds(Command[Posted]):
    """A Finance Bureau allocation (财政拨款) to a fund."""

    operation: ClassVar[str] = "fund.allocate"
    book: BookCode
    on: date
    amount: Money
    reference: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class TopUp(Command[Posted]):
    """A Finance Bureau top-up (动态补足) of a stated amount."""

    operation: ClassVar[str] = "fund.topup"
    book: BookCode
    on: date
    amount: Money
    reference: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class SettlementTopUp(Command[Posted]):
    """The annual settlement: top the fund up to the policy's floor (nothing if not short)."""

    operation: ClassVar[str] = "fund.settlement"
    book: BookCode
    on: date
    reference: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class TransferReserveToPool(Command[Posted]):
    """Move the 郑科贷 reserve into the city pool: one entry in each book, one transaction."""

    operation: ClassVar[str] = "fund.transfer"
    on: date
    amount: Money
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class RecordInterest(Command[Posted]):
    operation: ClassVar[str] = "fund.interest"
    book: BookCode
    on: date
    amount: Money
    period: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class ChargeManagementFee(Command[Posted]):
    """The operator's fee, refused above the policy's cap (1% of the fund a year)."""

    operation: ClassVar[str] = "fund.fee"
    book: BookCode
    on: date
    amount: Money
    period: str
    idempotency_key: str
