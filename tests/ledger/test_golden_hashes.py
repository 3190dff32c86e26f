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
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_ints = st.integers(-(2**63), 2**63 - 1)
_json = st.recursive(
    st.none() | st.booleans() | _ints | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(
    entry_id=_ints,
    book_id=_ints,
    day=st.dates(),
    booked_at=st.datetimes(timezones=st.just(UTC) | st.none()),
    description=_text,
    metadata=st.dictionaries(_text, _json, max_size=3),
    key=_text,
    actor=_text,
    reverses=st.none() | _ints,
    legs=st.lists(st.tuples(_ints, _text, _ints, _ints, _ints, _text), max_size=3),
)
def test_the_bytes_are_the_canonical_json_of_the_document(
    entry_id: int,
    book_id: int,
    day: date,
    booked_at: datetime,
    description: str,
    metadata: dict[str, Any],
    key: str,
    actor: str,
    reverses: int | None,
    legs: list[tuple[int, str, int, int, int, str]],
) -> None:
    """The oracle beyond the vectors: for any input, the bytes equal the standard
    library's canonical JSON (sorted keys, no spaces, UTF-8) of the documented
    document, which is how the golden vectors were first made."""
    entry = hashing.entry_bytes(
        entry_id=entry_id,
        book_id=book_id,
        effective_date=day,
        booked_at=booked_at,
        description=description,
        metadata=metadata,
        idempotency_key=key,
        actor=actor,
        reverses=reverses,
        postings=legs,
    )
    assert entry == _canonical(
        {
            "v": 1,
            "id": entry_id,
            "book": book_id,
            "effective_date": day.isoformat(),
            "booked_at": hashing.utc_timestamp(booked_at),
            "description": description,
            "metadata": metadata,
            "idempotency_key": key,
            "actor": actor,
            "reverses": reverses,
            "postings": sorted(list(leg) for leg in legs),
        }
    )
    requested = [(leg[1], leg[5], leg[0]) for leg in legs]
    payload = hashing.payload_bytes(
        book=key,
        effective_date=day,
        description=description,
        postings=requested,
        metadata=metadata,
        actor=actor,
        reverses=reverses,
    )
    assert payload == _canonical(
        {
            "v": 1,
            "book": key,
            "effective_date": day.isoformat(),
            "description": description,
            "postings": [list(leg) for leg in requested],
            "metadata": metadata,
            "actor": actor,
            "reverses": reverses,
        }
    )


def _canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def test_a_field_of_the_wrong_type_is_refused_not_encoded_otherwise() -> None:
    fields: dict[str, Any] = {
        "book": "POOL",
        "effective_date": date(2025, 1, 1),
        "description": "x",
        "postings": [("1002", "CNY", True)],
        "metadata": {},
        "actor": "a",
        "reverses": None,
    }
    with pytest.raises(TypeError):
        hashing.payload_bytes(**fields)
    with pytest.raises(TypeError):
        hashing.payload_bytes(**{**fields, "postings": [(1002, "CNY", 1)]})
