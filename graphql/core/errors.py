"""Errors on the wire: ``userErrors`` for refusals, top-level ``errors`` for faults.

A refusal (a rule said no) is data: mutations return it in their payload's
``userErrors`` with a code from the closed :class:`ErrorCode` enum — the very
enum the ledger and the domain raise — so clients can branch on it. The
top-level ``errors`` array is for faults and for access failures on queries;
unexpected exceptions are masked there so internals never leak.
"""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.relay import GlobalIDValueError
from strawberry.relay.types import InvalidGlobalIDError

from riskpool.errors import ErrorCode as DomainErrorCode
from riskpool.errors import RiskpoolError
from riskpool.graphql.core.scalars import ScalarInputError

ErrorCode = strawberry.enum(DomainErrorCode, name="ErrorCode")


@strawberry.type(description="Why a mutation was refused. Nothing was changed.")
class UserError:
    code: ErrorCode  # type: ignore[valid-type]
    field: str | None
    message: str

    @classmethod
    def of(cls, error: RiskpoolError) -> UserError:
        return cls(code=error.code, field=error.field, message=error.message)


class ApiError(GraphQLError):
    """A top-level error with a stable code in ``extensions.code`` (never masked)."""

    def __init__(self, code: DomainErrorCode, message: str) -> None:
        super().__init__(message, extensions={"code": code.value})


CLIENT_ERRORS: tuple[type[Exception], ...] = (
    GlobalIDValueError,
    InvalidGlobalIDError,
    ScalarInputError,
    StrawberryInputCoercionError,
)
"""Exceptions raised on malformed client input (a bad global id, amount or date)."""


def should_mask(error: GraphQLError) -> bool:
    """Mask everything that is not a deliberate, client-facing error."""
    original = error.original_error
    if original is None:
        return False  # parse and validation errors: about the client's document
    if isinstance(original, (ApiError, *CLIENT_ERRORS)):
        return False
    if isinstance(original, GraphQLError):
        # Variable coercion wraps the cause ("Variable '$x' got invalid value …"
        # around "Expected a value of type …"): judge the cause.
        return should_mask(original)
    return not isinstance(original, RiskpoolError)
