"""Commands: one frozen dataclass per use case, at once the API's input, the
idempotency payload and the handler's argument.

Why one object for all three: when the API's arguments, the payload hashed
for idempotency and the handler's parameters are three lists, they drift (a
field added to one and not the other two is a replay that answers wrongly).
A command is what the caller asks for, nothing more: the acting
:class:`~riskpool.domain.model.parties.Actor` travels beside it (the bus hashes it
into the idempotency record separately), and the server's clock is never in
it — a client's optional ``at`` is a business field like any other, but when
it is absent the payload is the same on every retry.

:func:`payload` is the one way to turn a command into the JSON document that
is fingerprinted; :func:`fingerprint` hashes that document with the actor.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar

from moneyed import Money

from riskpool.domain.model.parties import Actor

R = TypeVar("R")

IDEMPOTENCY_KEY_FIELD = "idempotency_key"


@dataclass(frozen=True, slots=True)
class Command(Generic[R]):
    """Base of every command; ``R`` is what its handler returns.

    ``operation`` names the use case in idempotency records (and in logs).
    A command with an ``idempotency_key`` is run at most once per key: money
    movements require one; the others take an optional one, so a client that
    must not create a thing twice (the demo loader, a retrying importer) can
    send the same command again and get the first result back.
    """

    operation: ClassVar[str]


def idempotency_key(command: Command[Any]) -> str | None:
    """The command's idempotency key, or ``None`` for a command that is not keyed."""
    key = getattr(command, IDEMPOTENCY_KEY_FIELD, None)
    return key if isinstance(key, str) else None


def jsonable(value: Any) -> Any:
    """A value as plain JSON: Money as "amount currency", dates ISO, enums by value,
    decimals as strings (never floats), nested dataclasses and mappings recursively."""
    if isinstance(value, Money):
        return f"{value.amount} {value.currency.code}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Actor):
        return [value.role.value, value.subject, value.institution_id]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = [jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, frozenset | set) else items
    return value


def payload(command: Command[Any]) -> dict[str, Any]:
    """The command's business fields as JSON (everything but the idempotency key)."""
    return {
        f.name: jsonable(getattr(command, f.name))
        for f in fields(command)
        if f.name != IDEMPOTENCY_KEY_FIELD
    }


def fingerprint(command: Command[Any], actor: Actor) -> str:
    """SHA-256 of the canonical JSON of (operation, actor, payload).

    The actor is part of the fingerprint, beside the payload: the same key
    replayed by another actor is a conflict, never someone else's result.
    """
    document = {"op": command.operation, "actor": jsonable(actor), "payload": payload(command)}
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()
