"""A posting request validated without the database (step 1 of the write path).

Everything that can be known from the request alone is checked here, before
any round trip: exact amounts, at least two postings, each account once, a
zero sum per currency, metadata, text limits. What survives is a
:class:`Prepared` request: minor units per account code and the payload hash
that tells a replay from a conflicting reuse of its idempotency key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moneyed import Money

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger import hashing
from riskpool.ledger.model import EntrySpec, PostingSpec
from riskpool.ledger.money import from_minor, to_minor

MAX_DESCRIPTION = 2_000
MAX_KEY = 200


@dataclass(frozen=True, slots=True)
class Prepared:
    """A validated request: minor units per account code and its payload hash."""

    spec: EntrySpec
    legs: tuple[tuple[str, str, int], ...]  # (account code, currency, minor units)
    metadata: dict[str, Any]
    payload_hash: str


def prepare(spec: EntrySpec) -> Prepared:
    """Validate a request without the database (step 1 of the write path)."""
    if not spec.book:
        raise RiskpoolError(ErrorCode.UNKNOWN_BOOK, "entry has no book", field="book")
    if not spec.idempotency_key or len(spec.idempotency_key) > MAX_KEY:
        raise RiskpoolError(
            ErrorCode.INVALID_ENTRY,
            f"idempotency key must be 1–{MAX_KEY} characters",
            field="idempotencyKey",
        )
    if not spec.actor or len(spec.actor) > 200:
        raise RiskpoolError(ErrorCode.INVALID_ENTRY, "entry needs an actor", field="actor")
    if len(spec.description) > MAX_DESCRIPTION:
        raise RiskpoolError(ErrorCode.INVALID_ENTRY, "description too long", field="description")
    if "\x00" in spec.book + spec.idempotency_key + spec.actor + spec.description:
        for name, text in (
            ("book", spec.book),
            ("idempotencyKey", spec.idempotency_key),
            ("actor", spec.actor),
            ("description", spec.description),
        ):
            if "\x00" in text:  # PostgreSQL cannot store U+0000 in text
                raise RiskpoolError(ErrorCode.INVALID_ENTRY, "NUL character in text", field=name)
    if len(spec.postings) < 2:
        raise RiskpoolError(
            ErrorCode.UNBALANCED, "an entry needs at least two postings", field="postings"
        )
    seen: set[str] = set()
    legs: list[tuple[str, str, int]] = []
    sums: dict[str, int] = {}
    for index, leg in enumerate(spec.postings):
        if not isinstance(leg, PostingSpec) or not isinstance(leg.amount, Money):
            raise RiskpoolError(
                ErrorCode.INVALID_AMOUNT, "posting amount must be Money", field=f"postings.{index}"
            )
        if not isinstance(leg.account, str) or not leg.account or "\x00" in leg.account:
            raise RiskpoolError(
                ErrorCode.INVALID_ENTRY,
                "an account code is non-empty text",
                field=f"postings.{index}.account",
            )
        if leg.account in seen:
            raise RiskpoolError(
                ErrorCode.INVALID_ENTRY,
                f"account {leg.account} appears twice in one entry; merge the postings",
                field=f"postings.{index}.account",
            )
        seen.add(leg.account)
        currency = leg.amount.currency.code
        units = to_minor(leg.amount)
        if units == 0:
            raise RiskpoolError(
                ErrorCode.INVALID_AMOUNT, "a posting of zero", field=f"postings.{index}.amount"
            )
        legs.append((leg.account, currency, units))
        sums[currency] = sums.get(currency, 0) + units
    unbalanced = {cur: total for cur, total in sums.items() if total != 0}
    if unbalanced:
        detail = ", ".join(
            f"{from_minor(total, cur).amount} {cur}" for cur, total in sorted(unbalanced.items())
        )
        raise RiskpoolError(
            ErrorCode.UNBALANCED, f"postings do not sum to zero: off by {detail}", field="postings"
        )
    metadata = hashing.check_metadata(spec.metadata)
    digest = hashing.payload_hash(
        book=spec.book,
        effective_date=spec.effective_date,
        description=spec.description,
        postings=legs,
        metadata=metadata,
        actor=spec.actor,
        reverses=spec.reverses,
    )
    return Prepared(spec, tuple(legs), metadata, digest)
