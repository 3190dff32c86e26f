"""The read side: one view module per area, the only place reads are written.

Every view is a coroutine function ``view(actor, conn, ...)``:

1. it asks the permission table (:func:`riskpool.domain.permissions.authorize`)
   whether the actor's role may read the area at all — ``FORBIDDEN`` otherwise,
   the same answer whatever ids were asked for;
2. it applies the actor's institution scope (:mod:`.scope`) *in SQL*, so a row
   the actor may not read is never loaded, and an id of another tenant answers
   exactly as an id that does not exist (an empty page, ``None``, nothing);
3. it returns plain records: domain objects or frozen dataclasses.

The API calls views through the request's read snapshot
(:class:`riskpool.snapshot.ReadSnapshot`); resolvers translate arguments and
records and hold no SQL, no store and no transaction. Adding a query means
adding a view here and a resolver that calls it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeAlias, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.model.parties import Actor

P = ParamSpec("P")
T = TypeVar("T")

View: TypeAlias = Callable[Concatenate[Actor, AsyncConnection, P], Awaitable[T]]
"""The shape of every view: the caller's principal, a connection, then its own arguments."""
