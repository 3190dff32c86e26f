"""Per-request context: who is asking, the request's read snapshot, and the data loaders.

Reads of one request share one snapshot (:class:`riskpool.snapshot.ReadSnapshot`),
so a dashboard sees every figure from the same moment and loaders batch across
resolvers. The snapshot is the database's business: resolvers never see a
connection; they hand a view (:mod:`riskpool.domain.views`) and its arguments
to :meth:`Context.view`, which runs it for the caller's principal. Mutations do
not use the snapshot: each runs its own unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from riskpool.bootstrap import App
from riskpool.domain.model.parties import Actor
from riskpool.domain.views import View
from riskpool.errors import ErrorCode
from riskpool.graphql.auth.tokens import Principal
from riskpool.graphql.core.errors import ApiError
from riskpool.snapshot import ReadSnapshot

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class Context:
    app: App
    principal: Principal | None
    request_id: str
    snapshot: ReadSnapshot
    loaders: dict[str, Any] = field(default_factory=dict)

    def loader(self, name: str, factory: Callable[[Context], Any]) -> Any:
        """The request's loader ``name``, created on first use (one cache per request)."""
        if name not in self.loaders:
            self.loaders[name] = factory(self)
        return self.loaders[name]

    def actor(self) -> Actor:
        """The caller as the domain knows it; ``UNAUTHENTICATED`` without a token."""
        principal = self.principal
        if principal is None:
            raise ApiError(ErrorCode.UNAUTHENTICATED, "a bearer token is required")
        return Actor(principal.role, principal.subject, principal.institution_id)

    async def view(self, read: View[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run the view ``read`` for the caller on the request's snapshot.

        The view asks the permission table and applies the caller's scope
        itself; this only supplies the principal and the connection.
        """
        actor = self.actor()
        return await self.snapshot.run(lambda conn: read(actor, conn, *args, **kwargs))
