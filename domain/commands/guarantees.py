"""Commands of guarantees: the guarantor's acceptance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from riskpool.domain.commands import Command
from riskpool.domain.model.loan import Loan


@dataclass(frozen=True, slots=True)
class AcceptGuarantee(Command[Loan]):
    """The named guarantor accepts to guarantee a loan (it may then enter the pool)."""

    operation: ClassVar[str] = "loan.accept_guarantee"
    loan_id: int
    idempotency_key: str | None = None
