"""Error codes and masking on the way out; unsafe text refused on the way in.

Every top-level error leaves with ``extensions.code``: a refusal raised as
:class:`~riskpool.errors.RiskpoolError` keeps its code; parse and validation
problems get ``GRAPHQL_VALIDATION``; a database outage is ``UNAVAILABLE``
(retryable; the HTTP layer answers 503 with ``Retry-After``); anything else is
an internal fault whose message is replaced (``INTERNAL``) so no stack
detail, SQL or path leaks. Messages are cut to :data:`MAX_MESSAGE_CHARS`, so a
client's 10 MB value is never echoed back, and in production "Did you mean
…?" suggestions are removed, so a client learns no names it did not send.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import structlog
from graphql import GraphQLError, StringValueNode
from graphql.execution import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from riskpool.domain.model.text import unsafe_character
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.graphql.core.errors import CLIENT_ERRORS, should_mask
from riskpool.outage import is_outage

log = structlog.get_logger("riskpool.graphql")

MASKED_MESSAGE = "Internal error; it has been logged with the request id."
UNAVAILABLE_MESSAGE = "The database is unavailable; nothing was changed. Retry shortly."
MAX_MESSAGE_CHARS = 400
"""Longest error message returned (values a client sent are quoted in some messages)."""

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def truncate(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``message`` cut to ``limit`` characters, marked when it was cut."""
    return message if len(message) <= limit else message[: limit - 1] + "…"


def unavailable(error: GraphQLError) -> GraphQLError:
    """The client's view of an outage: typed, retryable, nothing of the driver's text."""
    return GraphQLError(
        UNAVAILABLE_MESSAGE,
        nodes=error.nodes,
        path=error.path,
        extensions={"code": ErrorCode.UNAVAILABLE.value, "retryable": True},
    )


def _coded(error: GraphQLError, *, hide_suggestions: bool) -> GraphQLError:
    original = error.original_error
    extensions = dict(error.extensions or {})
    if original is not None and not isinstance(original, RiskpoolError) and is_outage(original):
        log.warning("graphql.database_unavailable", error=type(original).__name__, path=error.path)
        return unavailable(error)
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
    if hide_suggestions:
        message = _SUGGESTION.sub("", message)
    return GraphQLError(
        truncate(message),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


class CodedErrors(SchemaExtension):
    """Give every top-level error its code (``hide_suggestions``: production)."""

    def __init__(self, *, hide_suggestions: bool = False) -> None:
        self.hide_suggestions = hide_suggestions

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [
                _coded(e, hide_suggestions=self.hide_suggestions) for e in result.errors
            ]


def _unsafe(value: object) -> str | None:
    """The first refused character anywhere in a variable's value (keys included)."""
    if isinstance(value, str):
        found = unsafe_character(value, multiline=True)
        return found[1] if found is not None else None
    if isinstance(value, dict):
        for key, item in value.items():
            found_char = _unsafe(key) or _unsafe(item)
            if found_char is not None:
                return found_char
    if isinstance(value, list | tuple):
        for item in value:
            found_char = _unsafe(item)
            if found_char is not None:
                return found_char
    return None


class RefuseUnsafeText(SchemaExtension):
    """Refuse text with control, bidirectional or invisible characters before anything runs.

    The domain refuses them in the fields it models (:mod:`riskpool.domain.model.text`);
    this is the same rule for every string a request carries — book codes,
    idempotency keys, filters — so none reaches a query or a log. NUL matters
    most: PostgreSQL cannot store U+0000, SQLite would store what PostgreSQL
    refuses. Line feed, carriage return and tab pass (multi-line reasons).
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        found: str | None = None
        if document is not None:
            for node in _walk(document):
                if isinstance(node, StringValueNode):
                    found = _unsafe(node.value)
                    if found is not None:
                        break
        if found is None:
            found = _unsafe(context.variables or {})
        if found is not None:
            context.result = GraphQLExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        "text may not contain control, bidirectional or invisible characters "
                        f"(found U+{ord(found):04X})",
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
