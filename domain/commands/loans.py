"""Commands of loans: the credit line, pool entry, money movements and dated facts.

Money movements (disbursement, repayment, guarantor prepayment, recovery)
carry an idempotency key; the others change a fact that a replay would find
already changed. Their dates (``on``, ``since``, ``filed_on``, ``granted_on``)
are business facts the lender reports, bounded by the server's business date
(:class:`~riskpool.domain.model.dates.BusinessDates`); ``maturity`` describes
the future and is an attribute, not a business date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from moneyed import Money

from riskpool.domain.commands import Command
from riskpool.domain.model.loan import Loan
from riskpool.domain.model.policy import LoanType


@dataclass(frozen=True, slots=True)
class GrantLoan(Command[Loan]):
    """Register a credit line (授信) granted by a bank, optionally guaranteed."""

    operation: ClassVar[str] = "loan.grant"
    contract_no: str
    lender_id: int
    firm_id: int
    loan_type: LoanType
    credit_line: Money
    granted_on: date
    maturity: date
    guarantor_id: int | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class EnterPool(Command[Loan]):
    """Admit a loan into the pool (入池) today, under the policy in force today.

    No date: the day of pool entry is the server's (新老划断 — which policy
    binds a loan — must not be the client's choice).
    """

    operation: ClassVar[str] = "loan.enter_pool"
    loan_id: int
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class DisburseLoan(Command[Loan]):
    operation: ClassVar[str] = "loan.disburse"
    loan_id: int
    on: date
    amount: Money
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class RepayLoan(Command[Loan]):
    operation: ClassVar[str] = "loan.repay"
    loan_id: int
    on: date
    amount: Money
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class RecordPrepayment(Command[Loan]):
    """The guarantor paid the bank on the borrower's behalf (代偿): a memorandum entry."""

    operation: ClassVar[str] = "loan.prepayment"
    loan_id: int
    on: date
    amount: Money
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class RecordRecovery(Command[Loan]):
    """Principal recovered after compensation (追偿); the pool's pro-rata share returns."""

    operation: ClassVar[str] = "loan.recovery"
    loan_id: int
    on: date
    amount: Money
    reference: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class MarkOverdue(Command[Loan]):
    operation: ClassVar[str] = "loan.mark_overdue"
    loan_id: int
    since: date
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class MarkCurrent(Command[Loan]):
    operation: ClassVar[str] = "loan.mark_current"
    loan_id: int


@dataclass(frozen=True, slots=True)
class RecordLawsuit(Command[Loan]):
    operation: ClassVar[str] = "loan.lawsuit"
    loan_id: int
    filed_on: date
    idempotency_key: str | None = None
