"""Signed checkpoints: an anchor for the hash chains outside the database.

Why: the chains prove that the rows agree with each other, not that they are
the rows that were written. A database superuser who edits an amount and
re-seals every later entry, re-seals the last entry, or deletes the tail and
fixes the heads leaves a ledger that verifies (issue 16). A checkpoint is a
document naming every chain head — per ledger account, its last posting's
sequence number and its entry's hash — with the server's time, signed with
Ed25519 by a key kept outside the database (``settings.checkpoint_key``).
:func:`verify_against` proves the database still *extends* it: every head it
names is still the entry at that place in its chain. Any rewrite of history up
to the checkpoint changes that entry's hash (the chains link every earlier
entry into it), and a truncated tail loses the place.

The signed bytes are the document's canonical JSON text, carried verbatim in
the checkpoint file, so an auditor checks the signature with the public key
alone, without riskpool (docs/auditors.md).

Other chains (the domain record's) join through ``extra`` heads: named
:class:`ChainHead` values the caller adds when it writes a checkpoint, and a
:data:`Checker` per name prefix when it verifies one.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.schema import accounts, balances, books, entries, postings

FORMAT = "riskpool-checkpoint/1"
LEDGER = "ledger"


@dataclass(frozen=True, slots=True)
class ChainHead:
    """Where a chain ended: its length (last sequence number) and last hash."""

    seq: int
    hash: str


Checker = Callable[[AsyncConnection, str, ChainHead], Awaitable[str | None]]
"""Proves the database still extends one named head of another chain: None if
it does, else the problem in words."""


def head_name(book: str, code: str) -> str:
    return f"{LEDGER}/{book}/{code}"


async def ledger_heads(conn: AsyncConnection) -> dict[str, ChainHead]:
    """Every ledger account's chain head (accounts never posted to have none)."""
    rows = await conn.execute(
        select(books.c.code, accounts.c.code, balances.c.version, balances.c.head_hash)
        .select_from(
            balances.join(accounts, accounts.c.id == balances.c.account_id).join(
                books, books.c.id == accounts.c.book_id
            )
        )
        .where(balances.c.version > 0)
    )
    return {head_name(book, code): ChainHead(int(seq), head) for book, code, seq, head in rows}


def document_text(heads: Mapping[str, ChainHead], at: datetime) -> str:
    """The canonical JSON text that is signed: sorted keys, no whitespace, UTF-8."""
    body = {
        "format": FORMAT,
        "at": at.isoformat(),
        "heads": {name: {"seq": h.seq, "hash": h.hash} for name, h in sorted(heads.items())},
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


async def make(
    conn: AsyncConnection,
    key: Ed25519PrivateKey,
    at: datetime,
    extra: Mapping[str, ChainHead] | None = None,
) -> dict[str, str]:
    """A signed checkpoint of every ledger chain head (and ``extra`` ones) at ``at``
    (the server's clock). Read in the caller's transaction: one snapshot."""
    heads = await ledger_heads(conn)
    for name in extra or {}:
        if name.startswith(f"{LEDGER}/") or name in heads:
            raise RiskpoolError(ErrorCode.VALIDATION, f"head {name!r} is the ledger's")
    text = document_text({**heads, **(extra or {})}, at)
    signature = key.sign(text.encode("utf-8"))
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return {
        "document": text,
        "signature": base64.b64encode(signature).decode("ascii"),
        "public_key": base64.b64encode(public).decode("ascii"),
    }


def write(
    checkpoint: Mapping[str, str], folder: Path, at: datetime, *, to: Path | None = None
) -> Path:
    """Write ``checkpoint`` to ``to``, or to a new file in ``folder`` named by its time."""
    path = to or folder / f"checkpoint-{at.strftime('%Y%m%dT%H%M%S%fZ')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(checkpoint), indent=2) + "\n", encoding="utf-8")
    return path


def read(path: Path) -> dict[str, str]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RiskpoolError(ErrorCode.VALIDATION, f"{path}: not a checkpoint ({exc})") from None
    if not isinstance(loaded, dict) or not all(
        isinstance(loaded.get(k), str) for k in ("document", "signature")
    ):
        raise RiskpoolError(ErrorCode.VALIDATION, f"{path}: not a checkpoint")
    return loaded


def signed_heads(checkpoint: Mapping[str, str], public: Ed25519PublicKey) -> dict[str, ChainHead]:
    """The heads of a checkpoint whose signature ``public`` accepts; a bad
    signature or document is ``VALIDATION``. The key is the verifier's own
    trusted copy, never the one the file carries."""
    text = checkpoint["document"]
    try:
        public.verify(base64.b64decode(checkpoint["signature"], validate=True), text.encode())
    except (InvalidSignature, ValueError):
        raise RiskpoolError(
            ErrorCode.VALIDATION, "the checkpoint's signature does not verify with this key"
        ) from None
    body: Any = json.loads(text)
    if body.get("format") != FORMAT:
        raise RiskpoolError(
            ErrorCode.VALIDATION, f"unknown checkpoint format {body.get('format')!r}"
        )
    return {name: ChainHead(int(h["seq"]), str(h["hash"])) for name, h in body["heads"].items()}


async def verify_against(
    conn: AsyncConnection,
    checkpoint: Mapping[str, str],
    public: Ed25519PublicKey,
    checkers: Mapping[str, Checker] | None = None,
) -> list[str]:
    """The problems found checking that the database extends ``checkpoint``:
    each ledger head it names must still be the entry at that sequence number
    of its account's chain. Empty when it does. Heads of other chains are
    checked by the :data:`Checker` registered for their prefix (the part
    before the first ``/``); one without a checker is a problem, never skipped."""
    problems: list[str] = []
    for name, head in sorted(signed_heads(checkpoint, public).items()):
        prefix, _, rest = name.partition("/")
        if prefix != LEDGER:
            checker = (checkers or {}).get(prefix)
            found = (
                f"{name}: no checker for {prefix!r} chains"
                if checker is None
                else await checker(conn, name, head)
            )
            if found is not None:
                problems.append(found)
            continue
        book, _, code = rest.partition("/")
        stored = await conn.scalar(
            select(entries.c.entry_hash)
            .select_from(
                postings.join(entries, entries.c.id == postings.c.entry_id)
                .join(accounts, accounts.c.id == postings.c.account_id)
                .join(books, books.c.id == accounts.c.book_id)
            )
            .where(books.c.code == book, accounts.c.code == code)
            .where(postings.c.account_seq == head.seq)
        )
        if stored is None:
            problems.append(f"{name}: posting #{head.seq} is gone (the chain was truncated)")
        elif stored != head.hash:
            problems.append(
                f"{name}: posting #{head.seq} belongs to an entry sealed {stored[:12]}…, "
                f"not {head.hash[:12]}… (history up to the checkpoint was rewritten)"
            )
    return problems


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise RiskpoolError(ErrorCode.VALIDATION, f"{path}: no private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise RiskpoolError(ErrorCode.VALIDATION, f"{path}: not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise RiskpoolError(ErrorCode.VALIDATION, f"{path}: no public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise RiskpoolError(ErrorCode.VALIDATION, f"{path}: not an Ed25519 key")
    return key


def generate_key(path: Path) -> Path:
    """A new Ed25519 private key at ``path`` (PEM, readable by its owner only)
    and its public key beside it (``<path>.pub``, PEM, for auditors). Refuses
    to overwrite an existing key."""
    if path.exists():
        raise RiskpoolError(ErrorCode.DUPLICATE, f"{path} exists; not overwritten")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    public = path.with_name(path.name + ".pub")
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return public
