"""A prepared request against the state of the accounts it posts to.

The rules that need the database's answer — the book and accounts exist, the
currency is the account's, the account is open on the effective date, a
balance flag still holds after the posting, on the entry's business date and
on every later day with postings — written once, and applied by the write path
(:mod:`riskpool.ledger.store`) to the balance rows it locked. The bound on
business dates is here too (:func:`check_business_date`): it needs the
server's clock, which the write path reads once per batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.money import from_minor
from riskpool.ledger.requests import Prepared


@dataclass(slots=True)
class Target:
    """An account a post goes to, with its balance row's state (locked)."""

    id: int
    book: str
    code: str
    currency: str
    opened_on: date
    closed_on: date | None
    balance: int
    version: int
    head_hash: str
    dmnec: bool  # debits must not exceed credits
    cmned: bool  # credits must not exceed debits
    # Net movement per business date on or after the batch's earliest date
    # (flagged accounts only; :mod:`riskpool.ledger.daily` loads it): what a
    # back-dated posting must hold the flag against.
    later: dict[date, int] = field(default_factory=dict)
    last_day: date | None = None  # the latest date in ``later``

    def moved_on(self, day: date, units: int) -> None:
        """Count a movement into :attr:`later`."""
        self.later[day] = self.later.get(day, 0) + units
        if self.last_day is None or day > self.last_day:
            self.last_day = day

    @property
    def flagged(self) -> bool:
        return self.dmnec or self.cmned


BUSINESS_TIMEZONE = ZoneInfo("Asia/Shanghai")
"""The fund's business day is Zhengzhou's: a booking at 23:30 UTC is the next day."""


def business_date(moment: datetime) -> date:
    """The business date of an instant of the server's clock (aware datetime)."""
    return moment.astimezone(BUSINESS_TIMEZONE).date()


def check_business_date(day: date, today: date, backdating_days: int | None) -> None:
    """An entry's business date is never after ``today`` (the server's business
    date) and, when a window is set, never more than ``backdating_days`` before
    it. Closed periods are the database's to refuse (``PERIOD_CLOSED``), so a
    date inside the window but in a closed month is refused there."""
    if day > today:
        raise RiskpoolError(
            ErrorCode.FUTURE_DATE,
            f"business date {day.isoformat()} is after today's ({today.isoformat()})",
            field="effectiveDate",
        )
    if backdating_days is not None and day < today - timedelta(days=backdating_days):
        raise RiskpoolError(
            ErrorCode.BACKDATED_TOO_FAR,
            f"business date {day.isoformat()} is more than {backdating_days} days "
            f"before today ({today.isoformat()})",
            field="effectiveDate",
        )


def check_every_day(item: Prepared, targets: Mapping[tuple[str, str], Target]) -> None:
    """A balance flag holds on every business date from the entry's to the last
    one with postings, not only on the latest balance: a back-dated withdrawal
    that the account's later movements would have made an overdraft on some day
    is ``INSUFFICIENT_FUNDS``, naming the first such day. Then the entry's
    movement is counted in, for the requests after it in the batch."""
    day = item.spec.effective_date
    for code, currency, units in item.legs:
        target = targets[(item.spec.book, code)]
        if not target.flagged or target.last_day is None or day >= target.last_day:
            continue  # nothing dated after it: the latest balance is the check (sealing's)
        broken = _first_broken_day(target, day, units)
        if broken is not None:
            raise RiskpoolError(
                ErrorCode.INSUFFICIENT_FUNDS,
                f"{target.book}:{target.code}: posting "
                f"{from_minor(units, currency).amount} {currency} on {day.isoformat()} would "
                + ("overdraw" if target.cmned else "over-credit")
                + f" it on {broken.isoformat()}",
                field="postings",
            )
    for code, _currency, units in item.legs:
        target = targets[(item.spec.book, code)]
        if target.flagged:
            target.moved_on(day, units)


def _first_broken_day(target: Target, day: date, units: int) -> date | None:
    """The earliest business date on or after ``day`` whose closing balance,
    with ``units`` added, breaks the target's flag (None if none does)."""
    balance = target.balance  # at the close of the last day with postings
    closing: list[tuple[date, int]] = []
    for when in sorted((d for d in target.later if d >= day), reverse=True):
        closing.append((when, balance))
        balance -= target.later[when]
    if not closing or closing[-1][0] != day:
        closing.append((day, balance))
    for when, before in reversed(closing):  # earliest first
        after = before + units
        if (target.cmned and after < 0) or (target.dmnec and after > 0):
            return when
    return None


def check_accounts(
    item: Prepared,
    book_ids: Mapping[str, int],
    targets: Mapping[tuple[str, str], Target],
) -> None:
    """The request's book and accounts exist; currencies match; the accounts
    are open on the entry's day. Unknown names first (the book, then accounts
    in code order), then each leg in order."""
    book = item.spec.book
    if book not in book_ids:
        raise RiskpoolError(ErrorCode.UNKNOWN_BOOK, f"no book {book!r}", field="book")
    found = [targets.get((book, code)) for code, _currency, _units in item.legs]
    if None in found:
        missing = min(
            code
            for (code, _currency, _units), target in zip(item.legs, found, strict=True)
            if target is None
        )
        raise RiskpoolError(
            ErrorCode.UNKNOWN_ACCOUNT, f"no account {book}:{missing}", field="postings"
        )
    day = item.spec.effective_date
    for (_code, currency, _units), target in zip(item.legs, found, strict=True):
        assert target is not None
        if target.currency != currency:
            raise RiskpoolError(
                ErrorCode.CURRENCY_MISMATCH,
                f"{target.book}:{target.code} is in {target.currency}, not {currency}",
                field="postings",
            )
        if target.opened_on > day or (target.closed_on is not None and day > target.closed_on):
            raise RiskpoolError(
                ErrorCode.ACCOUNT_CLOSED,
                f"{target.book}:{target.code} is not open on {day.isoformat()}",
                field="postings",
            )


def to_write(
    items: Iterable[Prepared],
    stored: Mapping[str, tuple[int, str]],
    book_ids: Mapping[str, int],
    targets: Mapping[tuple[str, str], Target],
    replayed: dict[str, int],
    today: date,
    backdating_days: int | None = None,
) -> Iterator[Prepared]:
    """The requests of a batch that are to be written, in order, checked as they go.

    A key seen earlier in the batch is a replay within it (same payload) or
    ``IDEMPOTENCY_CONFLICT``; a key already ``stored`` (key -> (entry id,
    payload hash)) is a replay, recorded in ``replayed`` (key -> entry id), or
    a conflict; any other request must pass :func:`check_business_date` (against
    ``today``, the server's business date), :func:`check_accounts` and
    :func:`check_every_day`. Lazy, so
    that a large batch is checked, sealed and written chunk by chunk: the
    first bad request in batch order refuses the batch.
    """
    seen: dict[str, str] = {}  # key -> payload hash
    for item in items:
        key = item.spec.idempotency_key
        earlier = seen.get(key)
        if earlier is not None:
            if earlier != item.payload_hash:
                raise RiskpoolError(
                    ErrorCode.IDEMPOTENCY_CONFLICT,
                    f"key {key!r} used twice in the batch with different payloads",
                    field="idempotencyKey",
                )
            continue
        seen[key] = item.payload_hash
        found = stored.get(key)
        if found is not None:
            if found[1] != item.payload_hash:
                raise key_reused(key, found[0])
            replayed[key] = found[0]
            continue
        check_business_date(item.spec.effective_date, today, backdating_days)
        check_accounts(item, book_ids, targets)
        check_every_day(item, targets)
        yield item


def key_reused(key: str, entry_id: int) -> RiskpoolError:
    """``IDEMPOTENCY_CONFLICT``: ``key`` already names entry ``entry_id``, whose
    payload differs from the request's."""
    return RiskpoolError(
        ErrorCode.IDEMPOTENCY_CONFLICT,
        f"key {key!r} was used for entry #{entry_id} with a different payload",
        field="idempotencyKey",
    )


def balance_after(target: Target, currency: str, units: int) -> int:
    """The account's balance after posting ``units``; ``INSUFFICIENT_FUNDS`` if a
    balance flag would break."""
    after = target.balance + units
    if (target.cmned and after < 0) or (target.dmnec and after > 0):
        raise RiskpoolError(
            ErrorCode.INSUFFICIENT_FUNDS,
            f"{target.book}:{target.code} holds "
            f"{from_minor(target.balance, currency).amount} {currency}; posting "
            f"{from_minor(units, currency).amount} would break its "
            + ("no-overdraft flag" if target.cmned else "debits-must-not-exceed-credits flag"),
            field="postings",
        )
    return after
