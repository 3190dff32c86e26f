"""The message bus: one command, one unit of work, at most once per idempotency key.

``await bus.handle(command, actor)`` opens one unit of work (one database
transaction), answers a replayed key from its record, else runs the command's
handler and stores the record of the key beside the handler's effects, and
commits. A refusal anywhere rolls the whole unit back, so the record exists
exactly when the effects do.

The record is reserved before the handler runs, as the command's first write:
concurrent first uses of one key both miss the record, and the loser's insert
of it waits for the winner's transaction and then violates the key's
uniqueness — before the loser has done anything else (in particular before
it could collide with the winner's ledger entries). The unit of work reports
that as :class:`~riskpool.domain.handlers.ports.IdempotencyRace`, and the bus
runs the command once more, where the winner's record answers (same
fingerprint: its result; another: ``IDEMPOTENCY_CONFLICT``). No other failure
is retried.

Each route says how a result is remembered (a small JSON document of ids) and
recalled (loaded again through the unit of work). The first call answers with
the recalled result too, read back in its own transaction, so the first answer
and every replay are the same object as stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

from riskpool.domain.commands import Command, R, fingerprint, idempotency_key, jsonable
from riskpool.domain.handlers.ports import IdempotencyRace, UnitOfWork
from riskpool.domain.model.parties import Actor
from riskpool.domain.permissions import Operation, authorize
from riskpool.errors import ErrorCode, RiskpoolError

C = TypeVar("C", bound=Command[Any])
T = TypeVar("T")

Handler = Callable[[C, Actor, UnitOfWork], Awaitable[T]]


@dataclass(frozen=True, slots=True)
class Memory(Generic[T]):
    """How a keyed command's result is stored in its record and loaded on a replay."""

    remember: Callable[[T], dict[str, Any]]
    recall: Callable[[dict[str, Any], UnitOfWork], Awaitable[T]]


@dataclass(frozen=True, slots=True)
class Route(Generic[C, T]):
    handler: Handler[C, T]
    memory: Memory[T] | None = None
    """``None``: the command takes no idempotency key."""


MAX_KEY_LENGTH = 200


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise RiskpoolError(
            ErrorCode.VALIDATION,
            f"idempotency key must be 1–{MAX_KEY_LENGTH} characters",
            field="idempotencyKey",
        )


def scoped_key(key: str, actor: Actor) -> str:
    """The stored form of a client's key: SHA-256 of (principal, key).

    Why scoped: a key is the principal's own name for its request, so another
    principal's identical key is a fresh request, never a conflict that would
    tell it someone else used the key (issue 15). Hashed, so the stored key has
    one length whatever the key and the principal's names.
    """
    document = json.dumps([jsonable(actor), key], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


class MessageBus:
    """Dispatches commands to their handlers, one unit of work each."""

    def __init__(
        self, uow_factory: Callable[[], UnitOfWork], routes: Mapping[type[Any], Route[Any, Any]]
    ) -> None:
        self._uow_factory = uow_factory
        self._routes = dict(routes)

    async def handle(self, command: Command[R], actor: Actor) -> R:
        """Run ``command`` as ``actor`` now, by the server's clock."""
        return await self._handle(command, actor, None)

    async def import_history(
        self, command: Command[R], actor: Actor, *, at: datetime, importer: Actor
    ) -> R:
        """Record ``command`` as ``actor`` did it at ``at`` (past): the history import.

        Why one explicit path: it is the only way a record keeps a time that is
        not the server's, or a business date beyond the back-dating window, so
        it is the operator's alone (``HISTORY_IMPORT``), and the unit of work
        knows it is an import (its business dates say ``imported``). Keyed as
        ``importer`` would key it, so a replayed import answers from its record.
        """
        authorize(importer, Operation.HISTORY_IMPORT)
        return await self._handle(command, actor, at)

    async def _handle(self, command: Command[R], actor: Actor, imported_at: datetime | None) -> R:
        route = self._routes.get(type(command))
        if route is None:
            raise TypeError(f"no handler for {type(command).__name__}")
        key = idempotency_key(command)
        if key is not None:
            _check_key(key)
            if route.memory is None:
                raise TypeError(f"{type(command).__name__} cannot be replayed")
        for attempt in range(2):
            try:
                unit = self._uow_factory()
                if imported_at is not None:
                    unit.import_at(imported_at)
                async with unit as uow:
                    if key is None:
                        return cast(R, await route.handler(command, actor, uow))
                    return cast(R, await self._once(route, key, command, actor, uow))
            except IdempotencyRace:
                if attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    async def _once(
        route: Route[Any, Any], key: str, command: Command[Any], actor: Actor, uow: UnitOfWork
    ) -> Any:
        memory = route.memory
        assert memory is not None
        digest = fingerprint(command, actor)
        scoped = scoped_key(key, actor)
        stored = await uow.idempotency.replay(scoped, command.operation, digest)
        if stored is not None:
            return await memory.recall(stored, uow)
        await uow.idempotency.reserve(scoped, command.operation, digest)
        remembered = memory.remember(await route.handler(command, actor, uow))
        await uow.idempotency.remember(scoped, remembered)
        # Read back as a replay would: the first answer and every replay are alike.
        return await memory.recall(remembered, uow)
