"""Running a use case from a mutation: refusals become ``userErrors``, nothing else does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.graphql.core.errors import UserError

T = TypeVar("T")


async def attempt(work: Callable[[], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """Run a use case; a :class:`RiskpoolError` is returned as a user error.

    ``work`` is a thunk so that input conversion (e.g. an amount with too many
    decimals) raises inside the same handler as the use case itself.

    The use case's unit of work has rolled back by the time the error arrives
    here, so a payload with ``userErrors`` always means nothing changed.
    """
    try:
        return await work(), []
    except RiskpoolError as error:
        return None, [UserError.of(error)]
    except DBAPIError as error:
        refusal = input_refusal(error)
        if refusal is None:
            raise
        return None, [UserError.of(refusal)]


def input_refusal(error: DBAPIError) -> RiskpoolError | None:
    """A database refusal that is the input's fault, as a typed error; else ``None``.

    The last line of defence behind the domain's own checks: PostgreSQL's data
    exceptions (class 22: text too long, number out of range, bad encoding) are
    malformed input, and a unique violation (23505) is a duplicate. The use
    case's transaction has rolled back already, so nothing was written.
    """
    state = getattr(error.orig, "sqlstate", None)
    if not isinstance(state, str):
        return None
    if state.startswith("22"):
        return RiskpoolError(ErrorCode.VALIDATION, "a value is malformed or out of range")
    if state == "23505":
        return RiskpoolError(ErrorCode.DUPLICATE, "that record exists already")
    return None
