"""The HTTP edge: body limits, JSON error bodies, and the one shape of every refusal.

Why here and not in strawberry: a hostile client's first weapon is the
request itself — a 100 MB body, a JSON ``null``, a 10 MB variable — and each
must be refused before it costs memory or parser time. Every refusal at this
level has the body a GraphQL client already understands,
``{"errors": [{"message": …, "extensions": {"code": …}}]}``, with the HTTP
status that says what happened (docs/api.md, "Refusals").
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from riskpool.errors import ErrorCode


class TransportCode(enum.StrEnum):
    """Codes of refusals made before GraphQL runs (``extensions.code``)."""

    BAD_REQUEST = "BAD_REQUEST"
    """Not a GraphQL request: malformed JSON, a body that is not an object, a bad header."""
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    """The body, the document or the variables exceed their configured limit."""
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    NOT_FOUND = "NOT_FOUND"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"


STATUS_CODES: Mapping[int, str] = {
    400: TransportCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHENTICATED,
    404: TransportCode.NOT_FOUND,
    405: TransportCode.METHOD_NOT_ALLOWED,
    413: TransportCode.PAYLOAD_TOO_LARGE,
    415: TransportCode.UNSUPPORTED_MEDIA_TYPE,
    503: ErrorCode.UNAVAILABLE,
}
"""The code sent with each HTTP status the edge answers with."""

UNAUTHENTICATED_MESSAGE = "A valid bearer token is required."
"""The only message of a 401: why a token failed is logged, never told (no oracle)."""


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A GraphQL-shaped error body with ``status`` (its code from :data:`STATUS_CODES`)."""
    chosen = code or STATUS_CODES.get(status, TransportCode.BAD_REQUEST)
    extensions: dict[str, Any] = {"code": str(chosen)}
    if status == 503:
        extensions["retryable"] = True
    return JSONResponse(
        {"errors": [{"message": message, "extensions": extensions}]},
        status_code=status,
        headers=dict(headers or {}),
    )


def unauthenticated(*, invalid: bool) -> JSONResponse:
    """HTTP 401 with ``WWW-Authenticate: Bearer`` (RFC 6750), the same for every reason."""
    challenge = 'Bearer realm="riskpool"' + (', error="invalid_token"' if invalid else "")
    return error_response(401, UNAUTHENTICATED_MESSAGE, headers={"WWW-Authenticate": challenge})


def unavailable(retry_after: int) -> JSONResponse:
    """HTTP 503 while the database is unreachable: retryable, with ``Retry-After``."""
    return error_response(
        503,
        "The database is unavailable; nothing was changed. Retry shortly.",
        headers={"Retry-After": str(retry_after)},
    )


class BodyLimit:
    """ASGI middleware: refuse a request body above its limit with 413, before anything reads it.

    ``limit_for(scope)`` gives the request's limit (a statement upload may be
    larger than a query; the caller decides from the headers). A declared
    ``Content-Length`` above the limit is refused without reading a byte; a
    body without one (chunked) is counted as it streams and refused as soon
    as it passes the limit, so a client can never make the server hold more
    than the limit. Within the limit the body is handed on unchanged.
    """

    def __init__(self, inner: ASGIApp, *, limit_for: Callable[[Scope], int]) -> None:
        self.inner = inner
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _content_length(scope)
        if declared == -1:
            await error_response(400, "Content-Length is not a number")(scope, receive, send)
            return
        if declared is not None and declared > limit:
            await _too_large(limit)(scope, receive, send)
            return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body: bytes = message.get("body", b"")
            total += len(body)
            if total > limit:
                await _too_large(limit)(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.inner(scope, replay, send)


def _too_large(limit: int) -> JSONResponse:
    return error_response(413, f"The request body exceeds the limit of {limit} bytes.")


def _content_length(scope: Scope) -> int | None:
    """The declared length; ``None`` if absent, ``-1`` if it is not a number."""
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) < 20 else -1
    return None
