"""Error codes and masking on the way out.

Every top-level error leaves with ``extensions.code``: a refusal raised as
:class:`~riskpool.errors.RiskpoolError` keeps its code; parse and validation
problems get ``GRAPHQL_VALIDATION``; anything else is an internal fault whose
message is replaced (``INTERNAL``) so no stack detail, SQL or path leaks.
"""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from riskpool.errors import RiskpoolError
from riskpool.graphql.core.errors import CLIENT_ERRORS, should_mask

log = structlog.get_logger("riskpool.graphql")

MASKED_MESSAGE = "Internal error; it has been logged with the request id."


def _coded(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    extensions = dict(error.extensions or {})
    if isinstance(original, RiskpoolError):
        extensions.setdefault("code", original.code.value)
        message = original.message
    elif isinstance(original, CLIENT_ERRORS):
        extensions.setdefault("code", "VALIDATION")
        message = str(original)
    elif should_mask(error):
        log.error("graphql.internal_error", error=repr(original), path=error.path)
        return GraphQLError(
            MASKED_MESSAGE, nodes=error.nodes, path=error.path, extensions={"code": "INTERNAL"}
        )
    else:
        extensions.setdefault("code", "GRAPHQL_VALIDATION")
        message = error.message
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


class CodedErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [_coded(e) for e in result.errors]
