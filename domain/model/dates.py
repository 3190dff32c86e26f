"""Calendar helpers: the business time zone, aware timestamps and month arithmetic.

Why fixed UTC+8 rather than a tz database: China has kept one offset without
daylight saving since 1991, so a fixed offset is exact for every date the fund
can see and spares the model a tzdata dependency. Business dates (the day a
claim was filed, the day a loan fell overdue) are dates in Beijing time.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone
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
