"""Sealing a batch in Python: sequence numbers, balances after, chain links, hashes.

Given prepared requests and the locked state of their accounts, each entry
gets, per posting, the account's next sequence number, its balance after the
posting (refusing ``INSUFFICIENT_FUNDS`` when a balance flag would break) and
the hash of the account's previous entry; then the entry's own hash. The
accounts' state moves as it goes, so later entries of the batch chain onto
earlier ones. Nothing here touches the database.

:func:`seal` is a generator so that a writer can stream: it yields a
:class:`Chunk` of rows whenever enough postings are sealed, and ``None`` every
few hundred entries, a point where an async caller can let the previous
chunk's I/O run (:meth:`riskpool.ledger.store.LedgerStore.post_many` overlaps
sealing with ``COPY`` that way on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from riskpool.ledger import hashing
from riskpool.ledger.checks import Target, balance_after
from riskpool.ledger.model import JournalEntry, Posting, freeze_metadata
from riskpool.ledger.money import as_posted, from_minor
from riskpool.ledger.requests import Prepared

YIELD_EVERY = 256  # entries between two yield points

POSTING_COLUMNS = (
    "entry_id",
    "account_id",
    "currency",
    "amount",
    "account_seq",
    "balance_after",
    "prev_hash",
)
ENTRY_COLUMNS = (
    "booked_at",
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


class Written(NamedTuple):
    """What an entry was written with: enough to build its :class:`JournalEntry`
    when it is read (see :class:`riskpool.ledger.posted.PostedEntries`)."""

    item: Prepared
    entry_id: int
    booked_at: datetime
    entry_hash: str
    legs: tuple[tuple[int, str, int, int, int, str], ...]  # as hashed, in the order of item.legs

    def entry(self) -> JournalEntry:
        return written_entry(
            self.item,
            self.entry_id,
            self.booked_at,
            self.entry_hash,
            ((a, q, f, p) for a, _c, _u, q, f, p in self.legs),
        )


@dataclass(slots=True)
class Chunk:
    """Rows of whole entries, in :data:`POSTING_COLUMNS` / :data:`ENTRY_COLUMNS` order."""

    postings: list[tuple[Any, ...]] = field(default_factory=list)
    entries: list[tuple[Any, ...]] = field(default_factory=list)


def seal(
    items: Iterable[Prepared],
    entry_ids: Sequence[int],
    book_ids: Mapping[str, int],
    targets: Mapping[tuple[str, str], Target],
    booked_at: datetime,
    posted: dict[str, Written],
    *,
    chunk_postings: int,
    first_chunk_postings: int | None = None,
    metadata_as_text: bool,
) -> Iterator[Chunk | None]:
    """Seal ``items`` (entry ids taken in order from ``entry_ids``), moving
    ``targets`` along. ``items`` may be lazy (checked as they are sealed).

    Fills ``posted`` (idempotency key -> what its entry was written with:
    building the entries themselves is left to whoever reads them) and yields row
    chunks of at least ``chunk_postings`` postings (the last one smaller),
    each holding whole entries, with ``None`` in between as yield points.
    Metadata goes into the rows as canonical JSON text when
    ``metadata_as_text`` (PostgreSQL), as the dict otherwise.
    """
    entry_hash = hashing.entry_hash
    chunk = Chunk()
    limit = min(first_chunk_postings or chunk_postings, chunk_postings)
    ids = iter(entry_ids)
    for count, item in enumerate(items, 1):
        entry_id = next(ids)  # never runs out: an id was allocated per key of the batch
        spec = item.spec
        book_id = book_ids[spec.book]
        sealed: list[tuple[int, str, int, int, int, str]] = []
        moved: list[Target] = []
        for code, currency, units in item.legs:
            target = targets[(spec.book, code)]
            after = balance_after(target, currency, units)
            seq = target.version + 1
            sealed.append((target.id, currency, units, seq, after, target.head_hash))
            target.balance = after
            target.version = seq
            moved.append(target)
        digest = entry_hash(
            entry_id=entry_id,
            book_id=book_id,
            effective_date=spec.effective_date,
            booked_at=booked_at,
            description=spec.description,
            metadata=item.metadata,
            idempotency_key=spec.idempotency_key,
            actor=spec.actor,
            reverses=spec.reverses,
            postings=sealed,
        )
        for target, (account_id, currency, units, seq, after, prev) in zip(
            moved, sealed, strict=True
        ):
            target.head_hash = digest
            chunk.postings.append((entry_id, account_id, currency, units, seq, after, prev))
        metadata: Any = item.metadata
        if metadata_as_text:
            metadata = hashing.canonical_text(metadata) if metadata else "{}"
        chunk.entries.append(
            (
                booked_at,
                entry_id,
                book_id,
                spec.effective_date,
                spec.description,
                metadata,
                spec.idempotency_key,
                item.payload_hash,
                spec.actor,
                spec.reverses,
                digest,
            )
        )
        posted[spec.idempotency_key] = Written(item, entry_id, booked_at, digest, tuple(sealed))
        if len(chunk.postings) >= limit:
            yield chunk
            chunk = Chunk()
            limit = min(2 * limit, chunk_postings)
        elif count % YIELD_EVERY == 0:
            yield None
    if chunk.entries:
        yield chunk


def written_entry(
    item: Prepared,
    entry_id: int,
    booked_at: datetime,
    entry_hash: str,
    legs: Iterable[tuple[int, int, int, str]],
) -> JournalEntry:
    """The entry as written, without reading it back: ``legs`` are, in the order of
    ``item.legs``, each posting's (account id, account seq, balance after, prev hash)."""
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
        entry_hash=entry_hash,
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
            for (code, currency, units), requested, (account_id, seq, after, prev) in zip(
                item.legs, spec.postings, legs, strict=True
            )
        ),
    )


def gathered(chunks: Iterable[Chunk | None]) -> Chunk:
    """All the rows of ``chunks`` in one chunk (for writers that do not stream)."""
    whole = Chunk()
    for chunk in chunks:
        if chunk is not None:
            whole.postings.extend(chunk.postings)
            whole.entries.extend(chunk.entries)
    return whole
