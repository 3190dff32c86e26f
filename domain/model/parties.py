"""The parties of the scheme: cooperating institutions, borrowing firms, and acting people.

Why institutions are mutable entities with an explicit status history: the
city selects cooperating institutions (15 in 2025) and suspends those whose
loss rate passes the threshold; both facts matter to an auditor later, so a
status change is an appended record with a date, a reason and who decided,
never an overwritten flag. Firms and actors are plain values.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from moneyed import Money

from riskpool.domain.model.money import require_amount
from riskpool.domain.model.text import MAX_NAME, MAX_REASON, MAX_SECTOR, MAX_SUBJECT, require_text
from riskpool.domain.model.uscc import validate_uscc
from riskpool.errors import ErrorCode, RiskpoolError


class InstitutionKind(enum.StrEnum):
    """A cooperating bank (合作银行) lends; a guarantee company (融资担保公司) guarantees."""

    BANK = "BANK"
    GUARANTOR = "GUARANTOR"


class CooperationStatus(enum.StrEnum):
    """``SUSPENDED`` institutions may not bring loans into the pool nor file claims."""

    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


class Role(enum.StrEnum):
    """Who acts in the scheme's workflow (seed, section 3).

    INSTITUTION      a cooperating bank or guarantee company (registers loans, files claims);
    OPERATOR         运营管理机构: commissions audits, pays from the pool;
    AUDITOR          the third-party auditor of a claim;
    SCIENCE_BUREAU   市科技局: reviews claims (with the finance bureau);
    FINANCE_BUREAU   市财政局: concurs in the review, funds and tops up the pool;
    CITY_GOVERNMENT  市政府: approves compensation;
    VIEWER           read-only dashboards.
    """

    INSTITUTION = "INSTITUTION"
    OPERATOR = "OPERATOR"
    AUDITOR = "AUDITOR"
    SCIENCE_BUREAU = "SCIENCE_BUREAU"
    FINANCE_BUREAU = "FINANCE_BUREAU"
    CITY_GOVERNMENT = "CITY_GOVERNMENT"
    VIEWER = "VIEWER"


@dataclass(frozen=True, slots=True)
class Actor:
    """Someone acting in a role: recorded on every trail record.

    ``subject`` names the person or office (a login subject, "市科技局服务业处").
    ``institution_id`` is set exactly when ``role`` is ``INSTITUTION``: an
    institution user acts for one institution and sees only its rows.
    """

    role: Role
    subject: str
    institution_id: int | None = None

    def __post_init__(self) -> None:
        require_text(self.subject, "subject", max_length=MAX_SUBJECT)
        if (self.role is Role.INSTITUTION) != (self.institution_id is not None):
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                "institution_id is required for, and only for, the INSTITUTION role",
                field="institution_id",
            )


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One change of an institution's cooperation status (append-only history)."""

    status: CooperationStatus
    on: date
    reason: str
    by: Actor | None = None


REINSTATING_ROLES: frozenset[Role] = frozenset({Role.OPERATOR, Role.SCIENCE_BUREAU})
"""Who may reinstate a suspended institution: the operator that manages the
cooperation agreements, or the science bureau that owns the scheme."""


class Institution:
    """A cooperating bank or guarantee company, with its cooperation-status history."""

    def __init__(
        self,
        *,
        name: str,
        kind: InstitutionKind,
        id: int | None = None,
        cooperating_since: date | None = None,
        history: tuple[StatusChange, ...] = (),
    ) -> None:
        require_text(name, "name", max_length=MAX_NAME)
        self.id = id
        self.name = name
        self.kind = InstitutionKind(kind)
        self.cooperating_since = cooperating_since
        self._history: list[StatusChange] = list(history)

    def __repr__(self) -> str:
        return f"Institution(id={self.id!r}, name={self.name!r}, status={self.status})"

    @property
    def history(self) -> tuple[StatusChange, ...]:
        return tuple(self._history)

    @property
    def status(self) -> CooperationStatus:
        return self._history[-1].status if self._history else CooperationStatus.ACTIVE

    @property
    def is_active(self) -> bool:
        return self.status is CooperationStatus.ACTIVE

    @property
    def suspension(self) -> StatusChange | None:
        """The change that suspended the institution, while it is suspended."""
        return self._history[-1] if not self.is_active else None

    def suspend(self, reason: str, on: date, by: Actor | None = None) -> StatusChange:
        """Suspend cooperation (and hence compensation) with a recorded reason.

        ``by`` is ``None`` when the rule itself suspends (see
        :mod:`riskpool.domain.model.suspension`). ``INVALID_TRANSITION`` if already suspended.
        """
        if not self.is_active:
            raise RiskpoolError(
                ErrorCode.INVALID_TRANSITION, f"{self.name} is already suspended", field="status"
            )
        return self._change(CooperationStatus.SUSPENDED, on, reason, by)

    def reinstate(self, on: date, by: Actor, reason: str) -> StatusChange:
        """Lift a suspension; only an explicit decision by an allowed role can do it.

        Why never automatic: a falling loss rate may be a bookkeeping artefact
        (a write-off, a new batch of loans); a person must own the decision.
        """
        if by.role not in REINSTATING_ROLES:
            raise RiskpoolError(
                ErrorCode.FORBIDDEN, f"{by.role} may not reinstate institutions", field="by"
            )
        if self.is_active:
            raise RiskpoolError(
                ErrorCode.INVALID_TRANSITION, f"{self.name} is not suspended", field="status"
            )
        return self._change(CooperationStatus.ACTIVE, on, reason, by)

    def _change(
        self, status: CooperationStatus, on: date, reason: str, by: Actor | None
    ) -> StatusChange:
        if not reason.strip():
            raise RiskpoolError(ErrorCode.MISSING_EVIDENCE, "a reason is required", field="reason")
        require_text(reason, "reason", max_length=MAX_REASON, multiline=True)
        if self._history and on < self._history[-1].on:
            raise RiskpoolError(
                ErrorCode.VALIDATION, "status changes must be in date order", field="on"
            )
        change = StatusChange(status=status, on=on, reason=reason, by=by)
        self._history.append(change)
        return change


@dataclass(frozen=True, slots=True)
class Firm:
    """A borrowing technology firm.

    ``uscc`` must be a valid 统一社会信用代码 in canonical form (use
    :func:`riskpool.domain.model.uscc.normalize_uscc` on user input).
    ``innovation_tier`` is the firm's tier under the innovation-points system
    (创新积分制), 1 = lowest, higher = more innovative; ``None`` = not scored.
    """

    name: str
    uscc: str
    sector: str
    annual_revenue: Money
    innovation_tier: int | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        require_text(self.name, "name", max_length=MAX_NAME)
        require_text(self.sector, "sector", max_length=MAX_SECTOR)
        validate_uscc(self.uscc)
        require_amount(self.annual_revenue, "annual_revenue", allow_zero=True)
        if self.innovation_tier is not None and self.innovation_tier < 1:
            raise RiskpoolError(
                ErrorCode.VALIDATION, "innovation_tier must be >= 1", field="innovation_tier"
            )
