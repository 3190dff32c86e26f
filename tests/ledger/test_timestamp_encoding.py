"""The booking time's text in the hashed bytes, against its written-out definition.

:func:`riskpool.ledger.hashing.utc_timestamp` takes C's ``isoformat`` where it
writes the same characters (year 1000 on) and the written-out form elsewhere;
the golden vectors pin a few instants, this pins every instant, aware in any
offset or naive (taken as UTC, as SQLite returns them).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from riskpool.ledger import hashing

_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


def _written_out(moment: datetime) -> str:
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return (
        f"{utc.year}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:"
        f"{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


@settings(max_examples=500, deadline=None)
@given(
    moment=st.datetimes(  # naive bounds, as hypothesis asks; a day in from each end
        min_value=datetime(2, 1, 1, tzinfo=UTC).replace(tzinfo=None),
        max_value=datetime(9998, 12, 31, tzinfo=UTC).replace(tzinfo=None),
    ),
    zone=st.none() | st.just(UTC) | _offsets,
)
def test_the_timestamp_text_is_the_written_out_utc_form(
    moment: datetime, zone: timezone | None
) -> None:
    value = moment if zone is None else moment.replace(tzinfo=zone)
    assert hashing.utc_timestamp(value) == _written_out(value)


def test_years_before_1000_are_not_padded() -> None:
    assert hashing.utc_timestamp(datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == (
        "999-01-02T03:04:05.000006Z"
    )
