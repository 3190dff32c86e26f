"""Golden vectors pin the canonical encoding: the exact bytes hashed, and their SHA-256.

Each ``golden/*.json`` holds the inputs of one entry or request, the exact
bytes :func:`~riskpool.ledger.hashing.entry_bytes` /
:func:`~riskpool.ledger.hashing.payload_bytes` must produce (as UTF-8 text),
and their SHA-256. A change to the encoding — a key renamed, a timestamp
format, an escape — fails here before it silently breaks every chain already
stored; a deliberate change is a new ``ENCODING_VERSION`` with new vectors.
The vectors cover CJK text, JSON escapes and astral-plane characters,
negative and 64-bit amounts, nested metadata, a reversal, and booking times
given in UTC, at +08:00, and naive (as SQLite returns them).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from riskpool.ledger import hashing

GOLDEN = Path(__file__).parent / "golden"
VECTORS = sorted(GOLDEN.glob("*.json"))


def _entry_inputs(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "entry_id": raw["entry_id"],
        "book_id": raw["book_id"],
        "effective_date": date.fromisoformat(raw["effective_date"]),
        "booked_at": datetime.fromisoformat(raw["booked_at"]),
        "description": raw["description"],
        "metadata": raw["metadata"],
        "idempotency_key": raw["idempotency_key"],
        "actor": raw["actor"],
        "reverses": raw["reverses"],
        "postings": [tuple(leg) for leg in raw["postings"]],
    }


def _payload_inputs(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "book": raw["book"],
        "effective_date": date.fromisoformat(raw["effective_date"]),
        "description": raw["description"],
        "postings": [tuple(leg) for leg in raw["postings"]],
        "metadata": raw["metadata"],
        "actor": raw["actor"],
        "reverses": raw["reverses"],
    }


def test_there_are_vectors_of_both_kinds() -> None:
    kinds = [json.loads(path.read_text(encoding="utf-8"))["kind"] for path in VECTORS]
    assert kinds.count("entry") >= 3 and kinds.count("payload") >= 2


@pytest.mark.parametrize("path", VECTORS, ids=[path.stem for path in VECTORS])
def test_the_encoding_produces_the_golden_bytes_and_hash(path: Path) -> None:
    vector = json.loads(path.read_text(encoding="utf-8"))
    expected = vector["bytes"].encode("utf-8")
    assert hashlib.sha256(expected).hexdigest() == vector["sha256"]  # the vector is sound
    if vector["kind"] == "entry":
        inputs = _entry_inputs(vector["inputs"])
        assert hashing.entry_bytes(**inputs) == expected
        assert hashing.entry_hash(**inputs) == vector["sha256"]
        reordered = {**inputs, "postings": inputs["postings"][::-1]}
        assert hashing.entry_hash(**reordered) == vector["sha256"]  # order-independent
    else:
        inputs = _payload_inputs(vector["inputs"])
        assert hashing.payload_bytes(**inputs) == expected
        assert hashing.payload_hash(**inputs) == vector["sha256"]
