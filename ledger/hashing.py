"""Canonical encodings and SHA-256 hashes: request payloads and the entry chain.

Two hashes, two purposes:

* ``payload_hash`` identifies a *request* (what the caller asked to post), so a
  replayed idempotency key can be told apart from a conflicting one without
  comparing field by field.
* ``entry_hash`` seals a *posted entry*: its fields, its postings and, for each
  posting, the hash of the previous entry on that account (``prev_hash``). An
  entry is thereby chained to the history of every account it touches. An
  auditor who recomputes the hashes detects any edit of an amount, a date or a
  description, and any deleted or inserted posting breaks the chain of its
  account. Per-account chains (rather than one global chain) mean writers of
  unrelated accounts never wait on each other: the only lock a chain needs is
  the balance-row lock the ledger takes anyway.

**One encoding, one implementation.** The bytes hashed are produced by exactly
one function each — :func:`entry_bytes` and :func:`payload_bytes` — as
canonical JSON: sorted keys, no whitespace, UTF-8 text (non-ASCII kept,
strings escaped by the standard library's own JSON string encoder, metadata by
:func:`canonical_json`); dates in ISO 8601, timestamps in UTC with
microseconds, amounts as integer minor units. Each function writes its
document's keys in sorted order itself rather than building a dict for a
generic encoder: a third of the cost of sealing and verifying an entry, for
the same bytes (the golden vectors were made with the generic encoder). A
field of the wrong type is a ``TypeError``, never a different encoding. It is
versioned (``"v": 1``) so it can evolve without invalidating old hashes.
Sealing happens in one place, in Python (:mod:`riskpool.ledger.sealing`); the
database stores hashes but never computes them, and
:func:`riskpool.ledger.verify.verify` recomputes them with the same functions.
Golden vectors pin the bytes and digests: ``tests/ledger/golden/*.json``
(``tests/ledger/test_golden_hashes.py``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from riskpool.errors import ErrorCode, RiskpoolError

GENESIS_HASH = "0" * 64
ENCODING_VERSION = 1
MAX_METADATA_BYTES = 16_384


_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_text(value: Any) -> str:
    """The canonical JSON text of ``value``; tuples encode as arrays, like lists."""
    return _ENCODER.encode(value)


def canonical_json(value: Any) -> bytes:
    """:func:`canonical_text` as UTF-8 bytes: what is hashed."""
    return canonical_text(value).encode("utf-8")


_string = json.encoder.encode_basestring  # a JSON string literal, non-ASCII kept (C)


def _str(value: str) -> str:
    """A text field as a JSON string; only text is text (a number is not)."""
    if type(value) is not str and not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return _string(value)


def _int(value: int) -> str:
    """An integer field as JSON; ``bool`` is refused (JSON would write ``true``)."""
    if type(value) is int:
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return str(int(value))


def _optional_int(value: int | None) -> str:
    return "null" if value is None else _int(value)


def _object(value: Mapping[str, Any]) -> str:
    """Metadata as canonical JSON text (the usual empty metadata without the encoder)."""
    return canonical_text(dict(value)) if value else "{}"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Validate entry metadata: JSON objects of strings, integers, booleans and nulls.

    Floats are refused on purpose: metadata travels into hashes and audit
    exports, and a float would neither round-trip exactly nor belong in a
    ledger. Amounts in metadata are written as decimal strings.
    """
    if isinstance(metadata, Mapping) and not metadata:
        return {}
    _check_value(metadata, "metadata")
    plain = json.loads(canonical_json(dict(metadata)))
    if len(canonical_json(plain)) > MAX_METADATA_BYTES:
        raise RiskpoolError(
            ErrorCode.INVALID_ENTRY,
            f"metadata larger than {MAX_METADATA_BYTES} bytes",
            field="metadata",
        )
    assert isinstance(plain, dict)
    return plain


def _check_value(value: Any, path: str) -> None:
    """Refuse what metadata may not hold, naming where it is. (A module-level
    function: a nested recursive one is a reference cycle, garbage for the
    cyclic collector, on every call.)"""
    if isinstance(value, str) and "\x00" in value:
        raise RiskpoolError(
            ErrorCode.INVALID_ENTRY, f"NUL character in metadata at {path}", field="metadata"
        )
    if isinstance(value, bool | int | str) or value is None:
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_value(item, f"{path}[{index}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str) or "\x00" in key:
                raise RiskpoolError(
                    ErrorCode.INVALID_ENTRY, f"metadata key {key!r} at {path} is not a string"
                )
            _check_value(item, f"{path}.{key}")
        return
    raise RiskpoolError(
        ErrorCode.INVALID_ENTRY,
        f"metadata value at {path} has unsupported type {type(value).__name__}",
        field="metadata",
    )


def payload_bytes(
    *,
    book: str,
    effective_date: date,
    description: str,
    postings: Iterable[tuple[str, str, int]],
    metadata: Mapping[str, Any],
    actor: str,
    reverses: int | None,
) -> bytes:
    """The exact bytes :func:`payload_hash` hashes: the canonical JSON of the
    document ``{"actor", "book", "description", "effective_date", "metadata",
    "postings", "reverses", "v"}``, written key by key in that (sorted) order.
    ``postings`` are (account code, currency, minor units), in request order."""
    legs = ",".join(
        f"[{_str(code)},{_str(currency)},{_int(units)}]" for code, currency, units in postings
    )
    return (
        f'{{"actor":{_str(actor)},"book":{_str(book)},"description":{_str(description)},'
        f'"effective_date":"{effective_date.isoformat()}","metadata":{_object(metadata)},'
        f'"postings":[{legs}],"reverses":{_optional_int(reverses)},"v":{ENCODING_VERSION}}}'
    ).encode()


def payload_hash(
    *,
    book: str,
    effective_date: date,
    description: str,
    postings: Iterable[tuple[str, str, int]],
    metadata: Mapping[str, Any],
    actor: str,
    reverses: int | None,
) -> str:
    """Hash of a posting request: SHA-256 of :func:`payload_bytes`, in hex."""
    return sha256_hex(
        payload_bytes(
            book=book,
            effective_date=effective_date,
            description=description,
            postings=postings,
            metadata=metadata,
            actor=actor,
            reverses=reverses,
        )
    )


def utc_timestamp(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds and ``Z``; naive values (SQLite) are taken as UTC.

    (The year is not zero-padded, as C's ``strftime("%Y")`` does not pad it.)
    From year 1000 on, ``isoformat`` writes exactly these characters (it pads
    the year to four digits, which such a year has anyway), in C; earlier
    years take the written-out form.
    """
    utc = moment if moment.tzinfo is None or moment.tzinfo is UTC else moment.astimezone(UTC)
    if utc.year >= 1000:  # an aware value ends in "+00:00" here, replaced by "Z"
        text = utc.isoformat(timespec="microseconds")
        return (text if utc.tzinfo is None else text[:-6]) + "Z"
    return (
        f"{utc.year}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:"
        f"{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


def _leg(leg: tuple[int, str, int, int, int, str]) -> str:
    """One sealed posting as a JSON array. Exact integers and texts (what
    the database and the sealing give) are written directly — an ``int`` formats
    as ``str(int)`` does, which is what JSON holds — and anything else goes
    through the checked field writers, so the bytes are the same either way."""
    account, currency, amount, seq, after, prev = leg
    if (
        type(account) is int
        and type(amount) is int
        and type(seq) is int
        and type(after) is int
        and type(currency) is str
        and type(prev) is str
    ):
        return f"[{account},{_string(currency)},{amount},{seq},{after},{_string(prev)}]"
    return (
        f"[{_int(account)},{_str(currency)},{_int(amount)},{_int(seq)},{_int(after)},{_str(prev)}]"
    )


def entry_bytes(
    *,
    entry_id: int,
    book_id: int,
    effective_date: date,
    booked_at: datetime,
    description: str,
    metadata: Mapping[str, Any],
    idempotency_key: str,
    actor: str,
    reverses: int | None,
    postings: Sequence[tuple[int, str, int, int, int, str]],
) -> bytes:
    """The exact bytes :func:`entry_hash` hashes: the canonical JSON of the
    document ``{"actor", "book" (id), "booked_at", "description",
    "effective_date", "id", "idempotency_key", "metadata", "postings",
    "reverses", "v"}``, written key by key in that (sorted) order. ``postings``
    are (account id, currency, amount, account seq, balance after, prev hash),
    in any order: they are sorted here, so the hash does not depend on the
    order rows come back in."""
    legs = ",".join(map(_leg, sorted(postings)))
    return (
        f'{{"actor":{_str(actor)},"book":{_int(book_id)},'
        f'"booked_at":"{utc_timestamp(booked_at)}","description":{_str(description)},'
        f'"effective_date":"{effective_date.isoformat()}","id":{_int(entry_id)},'
        f'"idempotency_key":{_str(idempotency_key)},"metadata":{_object(metadata)},'
        f'"postings":[{legs}],"reverses":{_optional_int(reverses)},"v":{ENCODING_VERSION}}}'
    ).encode()


def entry_hash(
    *,
    entry_id: int,
    book_id: int,
    effective_date: date,
    booked_at: datetime,
    description: str,
    metadata: Mapping[str, Any],
    idempotency_key: str,
    actor: str,
    reverses: int | None,
    postings: Sequence[tuple[int, str, int, int, int, str]],
) -> str:
    """Seal of a posted entry: SHA-256 of :func:`entry_bytes`, in hex."""
    return sha256_hex(
        entry_bytes(
            entry_id=entry_id,
            book_id=book_id,
            effective_date=effective_date,
            booked_at=booked_at,
            description=description,
            metadata=metadata,
            idempotency_key=idempotency_key,
            actor=actor,
            reverses=reverses,
            postings=postings,
        )
    )
