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


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Validate entry metadata: JSON objects of strings, integers, booleans and nulls.

    Floats are refused on purpose: metadata travels into hashes and audit
    exports, and a float would neither round-trip exactly nor belong in a
    ledger. Amounts in metadata are written as decimal strings.
    """

    def walk(value: Any, path: str) -> None:
        if isinstance(value, bool | int | str) or value is None:
            return
        if isinstance(value, list | tuple):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")
            return
        if isinstance(value, Mapping):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise RiskpoolError(
                        ErrorCode.INVALID_ENTRY, f"metadata key {key!r} at {path} is not a string"
                    )
                walk(item, f"{path}.{key}")
            return
        raise RiskpoolError(
            ErrorCode.INVALID_ENTRY,
            f"metadata value at {path} has unsupported type {type(value).__name__}",
            field="metadata",
        )

    walk(metadata, "metadata")
    plain = json.loads(canonical_json(dict(metadata)))
    if len(canonical_json(plain)) > MAX_METADATA_BYTES:
        raise RiskpoolError(
            ErrorCode.INVALID_ENTRY,
            f"metadata larger than {MAX_METADATA_BYTES} bytes",
            field="metadata",
        )
    assert isinstance(plain, dict)
    return plain


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
    """Hash of a posting request; ``postings`` are (account code, currency, minor units)."""
    return sha256_hex(
        canonical_json(
            {
                "v": ENCODING_VERSION,
                "book": book,
                "effective_date": effective_date.isoformat(),
                "description": description,
                "postings": [list(p) for p in postings],
                "metadata": dict(metadata),
                "actor": actor,
                "reverses": reverses,
            }
        )
    )


def utc_timestamp(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds; naive values (SQLite) are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
    """
    return sha256_hex(
        canonical_json(
            {
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
        )
    )
