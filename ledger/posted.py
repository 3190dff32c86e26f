"""What ``post_many`` returns: a batch's entries, built when they are read.

Why lazy: a bulk post of 100,000 entries would otherwise build some 900,000
objects (entries, postings, ``Money`` amounts) that its caller may never read
— an import checks that the call succeeded, a use case reads the one or two
entries it posted. Measured, building them and the garbage collector walking
them cost more Python time than validating, sealing and writing the batch
(see docs/benchmarks.md). :class:`PostedEntries` keeps what each entry was
written with (:class:`riskpool.ledger.sealing.Written`: the request, its
ids, sequence numbers, balances and hashes, all already computed) and builds
an entry the first time it is read; it is then kept, so reading it again
gives the same object. An entry read here equals what
:meth:`riskpool.ledger.service.Ledger.entry` loads from the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import overload

from riskpool.ledger.model import JournalEntry
from riskpool.ledger.sealing import Written


class PostedEntries(Sequence[JournalEntry]):
    """A batch's entries in request order (a replayed request gives its first entry)."""

    __slots__ = ("_built", "_keys", "_written")

    def __init__(
        self,
        keys: Sequence[str],
        written: Mapping[str, Written],
        stored: Mapping[str, JournalEntry],
    ) -> None:
        """``keys``: each request's idempotency key, in order; ``written``: the
        new entries by key; ``stored``: the replayed ones, as loaded."""
        self._keys = keys
        self._written = written
        self._built: dict[str, JournalEntry] = dict(stored)

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> JournalEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[JournalEntry]: ...

    def __getitem__(self, index: int | slice) -> JournalEntry | list[JournalEntry]:
        if isinstance(index, slice):
            return [self._entry(key) for key in self._keys[index]]
        return self._entry(self._keys[index])

    def __iter__(self) -> Iterator[JournalEntry]:
        return map(self._entry, self._keys)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable cache inside, like a list

    def __repr__(self) -> str:
        return f"PostedEntries({len(self)} entries)"

    def _entry(self, key: str) -> JournalEntry:
        entry = self._built.get(key)
        if entry is None:
            entry = self._built[key] = self._written[key].entry()
        return entry
