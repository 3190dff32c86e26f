"""The builder's fast ``transaction`` builds exactly what the plain translation builds.

``BeancountBuilder.transaction`` caches key checks and skips the JSON encoder
for integers (it runs once per entry of a million-posting export); this test
keeps a plain, obviously-correct translation of the module docstring's rules
and compares the two on generated entries: metadata of every JSON type,
reserved and invalid keys, payees, claim/loan ids, contract numbers (which
replace the loan id's link), reversals.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from beancount.core import amount, data, flags
from hypothesis import given, settings
from hypothesis import strategies as st
from moneyed import Money

from riskpool.export import naming
from riskpool.export.builder import (
    LINKED_KEYS,
    RESERVED_KEYS,
    BeancountBuilder,
    metadata_value,
)
from riskpool.ledger.hashing import canonical_json, utc_timestamp
from riskpool.ledger.model import (
    Account,
    AccountType,
    Book,
    JournalEntry,
    Posting,
    freeze_metadata,
)

BOOK = Book(1, "POOL", "资金池")
ACCOUNTS = [
    Account(n, "POOL", code, name, kind, "CNY", date(2025, 1, 1), None, None, False, False)
    for n, (code, name, kind) in enumerate(
        [("1002", "银行存款", AccountType.ASSET), ("3001", "财政", AccountType.NET_ASSETS)], 1
    )
]


def reference_transaction(
    builder: BeancountBuilder, entry: JournalEntry, reversed_by: int | None
) -> data.Transaction:
    """The translation written out plainly (the builder's rules, no shortcuts)."""
    meta: dict[str, Any] = {
        "entry_id": Decimal(entry.id),
        "idempotency_key": entry.idempotency_key,
        "entry_hash": entry.entry_hash,
        "booked_at": utc_timestamp(entry.booked_at),
        "actor": entry.actor,
    }
    links: set[str] = set()
    tags: set[str] = set()
    if entry.reverses is not None:
        meta["reverses"] = Decimal(entry.reverses)
        links.add(naming.link("entry", str(entry.reverses)))
        tags.add("reversal")
    if reversed_by is not None:
        meta["reversed_by"] = Decimal(reversed_by)
        links.add(naming.link("entry", str(entry.id)))
        tags.add("reversed")
    payee: str | None = None
    extra: dict[str, Any] = {}
    for key in sorted(entry.metadata):
        value = entry.metadata[key]
        if key == "reverses" and entry.reverses is not None and value == entry.reverses:
            continue
        superseded = key == "loan_id" and entry.metadata.get("contract_no") is not None
        if key in LINKED_KEYS and value is not None and not superseded:
            text = value if isinstance(value, str) else canonical_json(value).decode()
            links.add(naming.link(LINKED_KEYS[key], text))
        if key == "payee" and isinstance(value, str) and value:
            payee = value
        if value is None:
            continue
        if key in RESERVED_KEYS or not naming.is_metadata_key(key):
            extra[key] = value
        else:
            meta[key] = metadata_value(value)
    if extra:
        meta["ledger_metadata"] = canonical_json(extra).decode("utf-8")
    postings = [
        data.Posting(
            builder.names[entry.book][p.account],
            amount.Amount(p.amount.amount, p.amount.currency.code),
            None,
            None,
            None,
            {"seq": Decimal(p.account_seq), "prev_hash": p.prev_hash}
            if builder.chain_metadata
            else None,
        )
        for p in entry.postings
    ]
    return data.Transaction(
        meta,
        entry.effective_date,
        flags.FLAG_OKAY,
        payee,
        entry.description,
        frozenset(tags),
        frozenset(links),
        postings,
    )


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.text(max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
keys = st.one_of(
    st.sampled_from(
        [
            "claim_id",
            "loan_id",
            "contract_no",
            "payee",
            "reverses",
            "entry_id",
            "institution_id",
            "tranche",
        ]
    ),
    st.sampled_from(sorted(RESERVED_KEYS)),
    st.text(max_size=6),
)


@st.composite
def entries(draw: Any) -> tuple[JournalEntry, int | None]:
    entry_id = draw(st.integers(1, 10**9))
    reverses = draw(st.one_of(st.none(), st.integers(1, 10**9)))
    metadata = draw(st.dictionaries(keys, json_values, max_size=6))
    if reverses is not None and draw(st.booleans()):
        metadata["reverses"] = reverses
    postings = tuple(
        Posting(
            entry_id,
            1,
            draw(st.sampled_from(["1002", "3001"])),
            Money(Decimal(draw(st.integers(-(10**12), 10**12))).scaleb(-2), "CNY"),
            draw(st.integers(1, 10**6)),
            Money(0, "CNY"),
            draw(st.text("0123456789abcdef", min_size=64, max_size=64)),
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    entry = JournalEntry(
        id=entry_id,
        book="POOL",
        effective_date=draw(st.dates(min_value=date(2000, 1, 1))),
        booked_at=datetime(2025, 6, 30, 8, 0, draw(st.integers(0, 59)), tzinfo=UTC),
        description=draw(st.text(max_size=10)),
        metadata=freeze_metadata(metadata),
        idempotency_key=draw(st.text(max_size=10)),
        actor=draw(st.text(max_size=5)),
        reverses=reverses,
        entry_hash="f" * 64,
        postings=postings,
    )
    return entry, draw(st.one_of(st.none(), st.integers(1, 10**9)))


@settings(max_examples=300, deadline=None)
@given(entries(), st.booleans())
def test_builder_transaction_matches_the_plain_translation(
    generated: tuple[JournalEntry, int | None], chain: bool
) -> None:
    entry, reversed_by = generated
    builder = BeancountBuilder(BOOK, ACCOUNTS, chain_metadata=chain)
    ours = builder.transaction(entry, reversed_by)
    expected = reference_transaction(builder, entry, reversed_by)
    assert ours == expected
    # Same values of the same types, in the same order (the file prints them so).
    assert list(ours.meta.items()) == list(expected.meta.items())
    assert [type(v) for v in ours.meta.values()] == [type(v) for v in expected.meta.values()]
    for mine, theirs in zip(ours.postings, expected.postings, strict=True):
        assert type(mine.units) is amount.Amount
        assert mine.meta == theirs.meta
