"""Running a use case from a mutation: refusals become ``userErrors``, nothing else does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from riskpool.errors import RiskpoolError
from riskpool.graphql.core.errors import UserError

T = TypeVar("T")


async def attempt(work: Callable[[], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """Run a use case; a :class:`RiskpoolError` is returned as a user error.

    ``work`` is a thunk so that input conversion (e.g. an amount with too many
    decimals) raises inside the same handler as the use case itself.

    The use case's unit of work has rolled back by the time the error arrives
    here, and database refusals that are the input's fault have been typed
    below the API already, so a payload with ``userErrors`` always means
    nothing changed, and this module knows nothing of the database.
    """
    try:
        return await work(), []
    except RiskpoolError as error:
        return None, [UserError.of(error)]
