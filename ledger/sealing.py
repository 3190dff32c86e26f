"""Sealing a batch in Python: sequence numbers, balances after, chain links, hashes.

The one place where entries are sealed. Given checked requests and the locked
state of their accounts, each entry gets, per posting, the account's next
sequence number, its balance after the posting (refusing
``INSUFFICIENT_FUNDS`` when a balance flag would break) and the hash of the
account's previous entry; then the entry's own hash
(:func:`riskpool.ledger.hashing.entry_hash`). The accounts' state moves as it
goes, so later entries of the batch chain onto earlier ones. Nothing here
touches the database: the result is the rows to insert and the entries as
written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from riskpool.ledger import hashing
from riskpool.ledger.checks import Target, balance_after
from riskpool.ledger.model import JournalEntry, Posting, freeze_metadata
from riskpool.ledger.money import as_posted, from_minor
from riskpool.ledger.requests import Prepared

POSTING_COLUMNS = (
    "entry_id",
    "account_id",
    "currency",
    "amount",
    "account_seq",
    "balance_after",
    "prev_hash",
)
"""The order of a posting row's values in :attr:`Sealed.postings`."""

ENTRY_COLUMNS = (
    "id",
    "book_id",
    "effective_date",
    "description",
    "metadata",
    "idempotency_key",
    "payload_hash",
    "actor",
    "reverses_entry_id",
    "entry_hash",
)
"""The order of an entry row's values in :attr:`Sealed.entries` (all entries of
a batch share one booking time, :attr:`Sealed.booked_at`)."""

Leg = tuple[int, str, int, int, int, str]
"""A sealed posting as hashed: (account id, currency, amount, account seq,
balance after, prev hash)."""


@dataclass(slots=True)
class Sealed:
    """A batch ready to insert: rows in column order, and the entries they make."""

    booked_at: datetime
    postings: list[tuple[Any, ...]] = field(default_factory=list)
    entries: list[tuple[Any, ...]] = field(default_factory=list)
    written: dict[str, JournalEntry] = field(default_factory=dict)  # by idempotency key


def seal(
    items: Iterable[Prepared],
    entry_ids: Sequence[int],
    book_ids: Mapping[str, int],
    targets: Mapping[tuple[str, str], Target],
    booked_at: datetime,
) -> Sealed:
    """Seal ``items`` (checked already), entry ids taken in order from
    ``entry_ids``, moving ``targets`` (the locked accounts) along."""
    sealed = Sealed(booked_at)
    ids = iter(entry_ids)
    for item in items:
        entry_id = next(ids)  # never runs out: one id was allocated per key of the batch
        spec = item.spec
        book_id = book_ids[spec.book]
        legs: list[Leg] = []
        moved: list[Target] = []
        for code, currency, units in item.legs:
            target = targets[(spec.book, code)]
            after = balance_after(target, currency, units)
            seq = target.version + 1
            legs.append((target.id, currency, units, seq, after, target.head_hash))
            target.balance, target.version = after, seq
            moved.append(target)
        digest = hashing.entry_hash(
            entry_id=entry_id,
            book_id=book_id,
            effective_date=spec.effective_date,
            booked_at=booked_at,
            description=spec.description,
            metadata=item.metadata,
            idempotency_key=spec.idempotency_key,
            actor=spec.actor,
            reverses=spec.reverses,
            postings=legs,
        )
        for target in moved:
            target.head_hash = digest
        sealed.postings.extend((entry_id, *leg) for leg in legs)
        sealed.entries.append(
            (
                entry_id,
                book_id,
                spec.effective_date,
                spec.description,
                item.metadata,
                spec.idempotency_key,
                item.payload_hash,
                spec.actor,
                spec.reverses,
                digest,
            )
        )
        sealed.written[spec.idempotency_key] = _entry(item, entry_id, booked_at, digest, legs)
    return sealed


def _entry(
    item: Prepared, entry_id: int, booked_at: datetime, digest: str, legs: Sequence[Leg]
) -> JournalEntry:
    """The entry as written, without reading it back (it equals what
    :meth:`riskpool.ledger.reads.LedgerReads.entry` loads later)."""
    spec = item.spec
    return JournalEntry(
        id=entry_id,
        book=spec.book,
        effective_date=spec.effective_date,
        booked_at=booked_at,
        description=spec.description,
        metadata=freeze_metadata(item.metadata),
        idempotency_key=spec.idempotency_key,
        actor=spec.actor,
        reverses=spec.reverses,
        entry_hash=digest,
        postings=tuple(
            Posting(
                entry_id=entry_id,
                account_id=account_id,
                account=code,
                amount=as_posted(requested.amount, units, currency),
                account_seq=seq,
                balance_after=from_minor(after, currency),
                prev_hash=prev,
            )
            for (code, _c, _u), requested, (account_id, currency, units, seq, after, prev) in zip(
                item.legs, spec.postings, legs, strict=True
            )
        ),
    )
