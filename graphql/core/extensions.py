"""Error codes and masking on the way out.

Every top-level error leaves with ``extensions.code``: a refusal raised as
:class:`~riskpool.errors.RiskpoolError` keeps its code; parse and validation
problems get ``GRAPHQL_VALIDATION``; anything else is an internal fault whose
message is replaced (``INTERNAL``) so no stack detail, SQL or path leaks.
"""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from graphql import GraphQLError, StringValueNode
from graphql.execution import ExecutionResult as GraphQLExecutionResult
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


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class RefuseNulCharacters(SchemaExtension):
    """Refuse text containing NUL before anything runs.

    PostgreSQL cannot store U+0000 in text, SQLite would store what PostgreSQL
    refuses, and no legitimate field of the fund contains it: a request that
    carries one is malformed (``VALIDATION``), never a database fault.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        literals = (
            any(
                isinstance(node, StringValueNode) and "\x00" in node.value
                for node in _walk(document)
            )
            if document is not None
            else False
        )
        if literals or _has_nul(context.variables or {}):
            context.result = GraphQLExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        "text may not contain NUL (U+0000) characters",
                        extensions={"code": "VALIDATION"},
                    )
                ],
            )
        yield


def _walk(node: object) -> Iterator[object]:
    """Every AST node below ``node`` (graphql-core nodes keep children in ``keys``)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for key in getattr(current, "keys", ()):
            child = getattr(current, key, None)
            if isinstance(child, list | tuple):
                stack.extend(c for c in child if hasattr(c, "keys"))
            elif hasattr(child, "keys") and not isinstance(child, dict):
                stack.append(child)
