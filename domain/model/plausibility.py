"""Plausible dates: the window of calendar dates the fund can ever be talking about.

Why a window at all: year 1 and year 9999 are valid ``date`` values, but a
loan granted in year 1 is a typo, and arithmetic on 9999-12-31 (one more day,
Beijing time of its last second) overflows Python's calendar and used to reach
the client as an internal fault. The scheme began in 2018 and no bank record
it reads predates 1990, so anything earlier is refused; the latest plausible
date depends on "today" and a configured horizon, which only the edge knows,
so it is passed in (the GraphQL scalars do, from the settings).
"""

from __future__ import annotations

from datetime import date
from typing import Final

from riskpool.errors import ErrorCode, RiskpoolError

EARLIEST_DATE: Final = date(1990, 1, 1)
"""No date of the fund's records lies before this one."""


def require_plausible_date(value: date, field: str, *, latest: date | None = None) -> date:
    """Return ``value`` if it lies in [1990-01-01, ``latest``]; ``VALIDATION`` otherwise."""
    if value < EARLIEST_DATE:
        raise RiskpoolError(
            ErrorCode.VALIDATION, f"{field} is before {EARLIEST_DATE.isoformat()}", field=field
        )
    if latest is not None and value > latest:
        raise RiskpoolError(
            ErrorCode.VALIDATION, f"{field} is after {latest.isoformat()}", field=field
        )
    return value
