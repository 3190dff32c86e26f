"""Commands of institutions and firms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from moneyed import Money

from riskpool.domain.commands import Command
from riskpool.domain.model.parties import Firm, Institution, InstitutionKind
from riskpool.domain.model.suspension import SuspensionAssessment


@dataclass(frozen=True, slots=True)
class RegisterInstitution(Command[Institution]):
    """Register a cooperating bank or guarantee company (operator)."""

    operation: ClassVar[str] = "institution.register"
    name: str
    kind: InstitutionKind
    cooperating_since: date | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class RegisterFirm(Command[Firm]):
    """Register a borrowing firm; its 统一社会信用代码 is normalised and checked."""

    operation: ClassVar[str] = "firm.register"
    name: str
    uscc: str
    sector: str
    annual_revenue: Money
    innovation_tier: int | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class SuspendInstitution(Command[Institution]):
    operation: ClassVar[str] = "institution.suspend"
    institution_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class ReinstateInstitution(Command[Institution]):
    operation: ClassVar[str] = "institution.reinstate"
    institution_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class Assessed:
    """An assessment with the institution as it stands after it (suspended or not)."""

    assessment: SuspensionAssessment
    institution: Institution


@dataclass(frozen=True, slots=True)
class AssessSuspension(Command[Assessed]):
    """Compute an institution's loss rate today; suspend it above the threshold in force
    (an institution may compute its own, which changes nothing). Dated by the server:
    a suspension is an act of the fund, not a date the client picks."""

    operation: ClassVar[str] = "institution.assess"
    institution_id: int
