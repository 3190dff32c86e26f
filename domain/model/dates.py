"""Calendar helpers: the business time zone, aware timestamps and month arithmetic.

Why fixed UTC+8 rather than a tz database: China has kept one offset without
daylight saving since 1991, so a fixed offset is exact for every date the fund
can see and spares the model a tzdata dependency. Business dates (the day a
claim was filed, the day a loan fell overdue) are dates in Beijing time.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final

from riskpool.errors import ErrorCode, RiskpoolError

BUSINESS_TZ: Final = timezone(timedelta(hours=8), "Asia/Shanghai")
"""Beijing time, the zone in which the scheme's dates are read."""


def require_aware(at: datetime, field: str = "at") -> datetime:
    """Return ``at`` if it carries a time zone; ``VALIDATION`` otherwise.

    A naive timestamp in an audit trail is ambiguous by up to a day.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise RiskpoolError(ErrorCode.VALIDATION, f"{field} must be timezone-aware", field=field)
    return at


def business_date(at: datetime) -> date:
    """The Beijing calendar date of an aware timestamp."""
    return require_aware(at).astimezone(BUSINESS_TZ).date()


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months, clamped to the month's last day.

    2024-01-31 + 1 month = 2024-02-29: the usual reading of a loan term in months.
    """
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


DEFAULT_BACKDATING_DAYS: Final = 30
"""How far before today's business date a lender may date a fact it reports."""


@dataclass(frozen=True, slots=True)
class BusinessDates:
    """The bounds of a business date a client may report, from the server's clock.

    Why: a date a lender reports (the day a loan was disbursed or fell overdue)
    is a business fact the rules count from, so it can never lie in the future
    of the server's business date (Beijing), and it may be back-dated only
    inside a configured window: a fact older than that enters only through the
    operator's history import (``imported``), whose clock is the imported
    record's own time.
    """

    today: date
    backdating_days: int = DEFAULT_BACKDATING_DAYS
    imported: bool = False

    @classmethod
    def at(
        cls,
        now: datetime,
        backdating_days: int = DEFAULT_BACKDATING_DAYS,
        *,
        imported: bool = False,
    ) -> BusinessDates:
        return cls(business_date(now), backdating_days, imported)

    @property
    def earliest(self) -> date:
        return self.today - timedelta(days=self.backdating_days)

    def check(self, day: date, field: str) -> date:
        """``day`` if it is a business date the server accepts; ``VALIDATION`` naming
        ``field`` otherwise."""
        if day > self.today:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"{field} {day} is after today's business date {self.today}",
                field=field,
            )
        if day < self.earliest:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"{field} {day} is more than {self.backdating_days} days before today's "
                f"business date {self.today}; older facts enter only by history import",
                field=field,
            )
        return day


def imported_time(at: datetime, now: datetime) -> datetime:
    """The time of an imported historical record, in UTC: aware and not in the future
    of the server's clock ``now`` (history is the past)."""
    at = require_aware(at).astimezone(UTC)
    if at > now:
        raise RiskpoolError(
            ErrorCode.VALIDATION, f"imported time {at.isoformat()} is in the future", field="at"
        )
    return at
