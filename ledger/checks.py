"""A prepared request against the state of the accounts it posts to.

The rules that need the database's answer — the book and accounts exist, the
currency is the account's, the account is open on the effective date, a
balance flag still holds after the posting — written once, for both ways a
post reaches the database: the batch path applies them to the rows it locked,
and the single-call path (``ledger_post_batch``, which applies the same rules in SQL
and writes nothing when one fails) applies them to the state the database
returns, so a refusal carries the same code and message either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

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


def check_accounts(
    items: Sequence[Prepared],
    book_ids: Mapping[str, int],
    targets: Mapping[tuple[str, str], Target],
) -> None:
    """Books and accounts exist; currencies match; accounts are open on the day."""
    for code in sorted({item.spec.book for item in items}):
        if code not in book_ids:
            raise RiskpoolError(ErrorCode.UNKNOWN_BOOK, f"no book {code!r}", field="book")
    for book, code in sorted({(i.spec.book, leg[0]) for i in items for leg in i.legs}):
        if (book, code) not in targets:
            raise RiskpoolError(
                ErrorCode.UNKNOWN_ACCOUNT, f"no account {book}:{code}", field="postings"
            )
    for item in items:
        day = item.spec.effective_date
        for code, currency, _units in item.legs:
            target = targets[(item.spec.book, code)]
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
