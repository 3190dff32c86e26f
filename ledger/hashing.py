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

The encoding is JSON with sorted keys, no whitespace and UTF-8 text; dates in
ISO 8601, timestamps in UTC with microseconds, amounts as integer minor units.
It is versioned (``"v": 1``) so it can evolve without invalidating old hashes.
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
_encode = _ENCODER.encode


def canonical_json(value: Any) -> bytes:
    """The canonical encoding; tuples encode as arrays, exactly like lists."""
    return _encode(value).encode("utf-8")


def canonical_text(value: Any) -> str:
    """:func:`canonical_json` as text (what the database stores for metadata)."""
    return _encode(value)


_string = json.encoder.encode_basestring  # a JSON string literal, non-ASCII kept (C)
_sha256 = hashlib.sha256


def _metadata_text(metadata: Mapping[str, Any]) -> str:
    if not metadata:
        return "{}"
    return _encode(metadata if type(metadata) is dict else dict(metadata))


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


def payload_document(
    *,
    book: str,
    effective_date: date,
    description: str,
    postings: Iterable[tuple[str, str, int]],
    metadata: Mapping[str, Any],
    actor: str,
    reverses: int | None,
) -> dict[str, Any]:
    """What :func:`payload_hash` hashes (the canonical JSON of this document)."""
    return {
        "v": ENCODING_VERSION,
        "book": book,
        "effective_date": effective_date.isoformat(),
        "description": description,
        "postings": [list(p) for p in postings],
        "metadata": dict(metadata),
        "actor": actor,
        "reverses": reverses,
    }


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
    """Hash of a posting request; ``postings`` are (account code, currency, minor units).

    Equal to ``sha256_hex(canonical_json(payload_document(...)))``; the text is
    assembled directly (keys in sorted order) when the fields have their usual
    types, which is several times faster than encoding the document.
    """
    legs: list[str] = []
    for leg in postings:
        code, currency, units = leg
        if type(code) is not str or type(currency) is not str or type(units) is not int:
            legs = []
            break
        legs.append(f"[{_string(code)},{_string(currency)},{units}]")
    else:
        if (
            type(book) is str
            and type(description) is str
            and type(actor) is str
            and (reverses is None or type(reverses) is int)
        ):
            return _sha256(
                (
                    f'{{"actor":{_string(actor)},"book":{_string(book)},'
                    f'"description":{_string(description)},'
                    f'"effective_date":{_string(effective_date.isoformat())},'
                    f'"metadata":{_metadata_text(metadata)},"postings":[{",".join(legs)}],'
                    f'"reverses":{"null" if reverses is None else reverses},'
                    f'"v":{ENCODING_VERSION}}}'
                ).encode()
            ).hexdigest()
    return sha256_hex(
        canonical_json(
            payload_document(
                book=book,
                effective_date=effective_date,
                description=description,
                postings=postings,
                metadata=metadata,
                actor=actor,
                reverses=reverses,
            )
        )
    )


_last_timestamp: tuple[datetime | None, str] = (None, "")


def utc_timestamp(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds; naive values (SQLite) are taken as UTC.

    (The year is not zero-padded, as C's ``strftime("%Y")`` did before.) A
    batch shares one booking time, so the last result is remembered.
    """
    global _last_timestamp
    last, text = _last_timestamp
    if last is not None and moment == last and moment.tzinfo is last.tzinfo:
        return text
    utc = moment
    if utc.tzinfo is None:
        utc = utc.replace(tzinfo=UTC)
    elif utc.utcoffset():
        utc = utc.astimezone(UTC)
    text = (
        f"{utc.year}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:"
        f"{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )
    _last_timestamp = (moment, text)
    return text


def entry_document(
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
) -> dict[str, Any]:
    """What :func:`entry_hash` hashes (the canonical JSON of this document)."""
    return {
        "v": ENCODING_VERSION,
        "id": entry_id,
        "book": book_id,
        "effective_date": effective_date.isoformat(),
        "booked_at": utc_timestamp(booked_at),
        "description": description,
        "metadata": dict(metadata),
        "idempotency_key": idempotency_key,
        "actor": actor,
        "reverses": reverses,
        "postings": sorted(list(p) for p in postings),
    }


def seal_fragments(
    *,
    book_id: int | None = None,
    effective_date: date,
    booked_at: datetime,
    description: str,
    metadata: Mapping[str, Any],
    idempotency_key: str,
    actor: str,
    reverses: int | None,
) -> tuple[str, str, str, str] | None:
    """The canonical entry encoding around the values only a lock can tell.

    :func:`entry_hash` hashes ``f1 + book id + f2 + entry id + f3 + legs + f4``
    (legs as :func:`leg_text`, in account-id order, comma-separated). The
    database's ``ledger_post_batch`` (migration 0008) fills in the same blanks
    when it seals entries in one call, so the layout is written down once, here.
    ``None`` when a field has an unusual type: such entries are encoded by the
    generic encoder (:func:`entry_document`), never by fragments.
    """
    if not (
        type(description) is str
        and type(idempotency_key) is str
        and type(actor) is str
        and (reverses is None or type(reverses) is int)
        and (book_id is None or type(book_id) is int)
    ):
        return None
    return (
        f'{{"actor":{_string(actor)},"book":',
        f',"booked_at":{_string(utc_timestamp(booked_at))},'
        f'"description":{_string(description)},'
        f'"effective_date":{_string(effective_date.isoformat())},"id":',
        f',"idempotency_key":{_string(idempotency_key)},'
        f'"metadata":{_metadata_text(metadata)},"postings":[',
        f'],"reverses":{"null" if reverses is None else reverses},"v":{ENCODING_VERSION}}}',
    )


def leg_text(leg: tuple[int, str, int, int, int, str]) -> str | None:
    """A sealed posting (account id, currency, amount, seq, balance after, prev
    hash) as the entry encoding writes it; ``None`` for unusual types."""
    account, currency, amount, seq, after, prev = leg
    if (
        type(account) is not int
        or type(currency) is not str
        or type(amount) is not int
        or type(seq) is not int
        or type(after) is not int
        or type(prev) is not str
    ):
        return None
    return f"[{account},{_string(currency)},{amount},{seq},{after},{_string(prev)}]"


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
    """Seal of a posted entry.

    ``postings`` are (account id, currency, amount, account seq, balance after,
    prev hash); they are sorted by account id here so the hash does not depend
    on the order rows come back from the database.

    Equal to ``sha256_hex(canonical_json(entry_document(...)))``; assembled
    from :func:`seal_fragments` and :func:`leg_text` when the fields have their
    usual types (see :func:`payload_hash`).
    """
    legs: list[str] = []
    ordered: list[Any]
    try:
        ordered = sorted(postings)
    except TypeError:  # a mix of lists and tuples: leave it to the general encoder
        ordered = []
    for leg in ordered:
        text = leg_text(leg)
        if text is None:
            legs = []
            break
        legs.append(text)
    fragments = (
        seal_fragments(
            book_id=book_id,
            effective_date=effective_date,
            booked_at=booked_at,
            description=description,
            metadata=metadata,
            idempotency_key=idempotency_key,
            actor=actor,
            reverses=reverses,
        )
        if legs and type(entry_id) is int
        else None
    )
    if fragments is not None:
        f1, f2, f3, f4 = fragments
        return _sha256(f"{f1}{book_id}{f2}{entry_id}{f3}{','.join(legs)}{f4}".encode()).hexdigest()
    return sha256_hex(
        canonical_json(
            entry_document(
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
    )
