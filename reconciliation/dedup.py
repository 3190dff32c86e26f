"""The identity of a statement line, for idempotent import.

Why a key of our own: the same movement reaches us more than once — the same
file uploaded twice, or the bank's export for 1–31 March overlapping the one
for 15 March–15 April. The import must store each movement once, so every
line carries a key that is equal for the same movement in any file and
different for different movements.

The rule, per account (the key starts with the account, so it is unique across
accounts too):

1. **Bank reference.** ``{account}|ref|{bank_reference}`` — the bank assigns
   one reference per movement (MT940 ``//`` reference, camt ``AcctSvcrRef``,
   OFX ``FITID``, 流水号). A reference that occurs more than once on the same
   account within one file (some banks reuse the entry's reference for every
   transaction of a batch) gets ``#2``, ``#3`` … appended for its second,
   third … occurrence in file order.
2. **Fallback** when the format gives no reference:
   ``{account}|h|{sha256(account, booking date, amount, counterparty name and
   account, purpose, n)}`` where ``n`` counts earlier lines of the file with
   the same five fields. Two genuinely identical movements on one day (two
   fees of 5.00 with the same text) get ``n = 0`` and ``n = 1`` and so stay
   distinct; the same day exported again yields the same keys as long as the
   export contains the whole day, which bank exports do.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Protocol


class KeyFields(Protocol):
    """What the dedup key is computed from (a parser's line draft)."""

    @property
    def account(self) -> str: ...
    @property
    def booking_date(self) -> date: ...
    @property
    def amount_minor(self) -> int: ...
    @property
    def bank_reference(self) -> str | None: ...
    @property
    def counterparty_name(self) -> str | None: ...
    @property
    def counterparty_account(self) -> str | None: ...
    @property
    def purpose(self) -> str: ...


_PLACEHOLDER_REFERENCES = frozenset({"", "NONREF", "NOTPROVIDED", "-", "--"})


def usable_reference(reference: str | None) -> str | None:
    """The reference, or ``None`` if it is a placeholder (``NONREF``, ``-``)."""
    if reference is None:
        return None
    stripped = reference.strip()
    return None if stripped.upper() in _PLACEHOLDER_REFERENCES else stripped


def fallback_hash(fields: KeyFields, occurrence: int) -> str:
    """The documented fallback: a SHA-256 over the line's content and its occurrence."""
    parts = (
        fields.account,
        fields.booking_date.isoformat(),
        str(fields.amount_minor),
        fields.counterparty_name or "",
        fields.counterparty_account or "",
        fields.purpose,
        str(occurrence),
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


class DedupKeys:
    """The keys of one file's lines, handed out one line at a time, in file order.

    Why a stateful object: the occurrence counts span the whole file, but a
    parser freezing a large file line by line must not first collect every
    line into one list to compute them.
    """

    __slots__ = ("_content", "_refs")

    def __init__(self) -> None:
        self._refs: dict[str, dict[str, int]] = {}
        self._content: Counter[tuple[str, date, int, str, str, str]] = Counter()

    def key(self, line: KeyFields) -> str:
        """The key of the next line of the file (see the module docstring)."""
        reference = usable_reference(line.bank_reference)
        if reference is not None:
            seen = self._refs.setdefault(line.account, {})
            count = seen[reference] = seen.get(reference, 0) + 1
            suffix = "" if count == 1 else f"#{count}"
            return f"{line.account}|ref|{reference}{suffix}"
        content = (
            line.account,
            line.booking_date,
            line.amount_minor,
            line.counterparty_name or "",
            line.counterparty_account or "",
            line.purpose,
        )
        occurrence = self._content[content]
        self._content[content] += 1
        return f"{line.account}|h|{fallback_hash(line, occurrence)}"


def dedup_keys(lines: Iterable[KeyFields]) -> Iterator[str]:
    """The key of every line of one file, in order (see the module docstring)."""
    keys = DedupKeys()
    for line in lines:
        yield keys.key(line)
