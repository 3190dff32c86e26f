"""The ASGI application: ``/graphql`` (strawberry), ``/healthz`` and the browser pages
(``/dashboard``, ``/static``: riskpool.web) on Starlette. Every page loads only
riskpool's own files: GraphiQL is riskpool.web's page, not strawberry's CDN one.

Request handling, outermost first: CORS (configured origins only; preflight
answered); a request id (from ``X-Request-ID`` or new) bound into structured
logs and echoed in the response, and a per-request read snapshot closed when
the response is done; the body limit (413 before anything is read past it);
then the GraphQL view: bearer-token authentication into a
:class:`~riskpool.graphql.auth.tokens.Principal` (a missing or bad token is
HTTP 401 with a JSON body, before the document is even parsed, so an
unauthenticated client learns nothing of the schema), the request's shape and
sizes, and the operation. Queries are accepted over GET and POST; mutations
only over POST (strawberry refuses them over GET), and a POST must be
``application/json`` (no form posts, so no CSRF through forms). A database
outage is HTTP 503 ``UNAVAILABLE`` with ``Retry-After`` wherever it strikes.
"""

from __future__ import annotations

import contextvars
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult

from riskpool.bootstrap import App
from riskpool.domain.model.parties import Role
from riskpool.domain.permissions import Operation, allowed
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.graphql.auth.tokens import (
    Authenticator,
    InstitutionExists,
    InvalidToken,
    Principal,
    TokenSettings,
    mint,
)
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.extensions import truncate
from riskpool.graphql.core.transport import (
    BodyLimit,
    error_response,
    unauthenticated,
    unavailable,
)
from riskpool.graphql.schema import build_schema
from riskpool.outage import is_outage
from riskpool.snapshot import ReadSnapshot
from riskpool.web import pages

log = structlog.get_logger("riskpool.http")

_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "riskpool_principal", default=None
)
"""The request's principal, for the view's hooks that strawberry gives no context."""

UPLOAD_OVERHEAD = 64 * 1024
"""Room beside a statement's base64 in an upload request (document, other variables)."""


def token_settings(app: App) -> TokenSettings:
    s = app.settings
    return TokenSettings(secret=s.jwt_secret, issuer=s.jwt_issuer, audience=s.jwt_audience)


def upload_limit(app: App) -> int:
    """The body (and variables) limit of a request that may carry a statement file."""
    base64_size = 4 * -(-app.settings.statement_max_bytes // 3)
    return max(app.settings.max_body_bytes, base64_size + UPLOAD_OVERHEAD)


def institution_lookup(app: App) -> InstitutionExists:
    """``institution_exists`` for the :class:`Authenticator`, answered by the domain."""

    return app.institution_exists


class RiskpoolGraphQL(GraphQL[Context, None]):
    def __init__(self, app: App) -> None:
        super().__init__(
            build_schema(app.settings),
            graphql_ide=None if app.settings.is_production else "graphiql",
            allow_queries_via_get=True,
            subscription_protocols=(),
        )
        self.riskpool = app
        self.tokens = token_settings(app)
        self.authenticator = Authenticator(self.tokens, institution_lookup(app))

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL from riskpool's own files, so it works on a network without internet."""
        return pages.graphiql_html()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # no subscription protocols: refused
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            response = self._refusal(exc)
        except InvalidToken as exc:
            log.info("auth.refused", reason=exc.reason)
            response = unauthenticated(invalid=True)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("http.database_unavailable", error=type(exc).__name__)
            response = unavailable(self.riskpool.settings.retry_after_seconds)
        await response(scope, receive, send)

    def _refusal(self, exc: HTTPException) -> Response:
        if exc.status_code == 401:
            return unauthenticated(invalid=False)
        return error_response(exc.status_code, truncate(exc.reason))

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        state = request.scope["state"]
        state["sub_response"] = response
        principal = await self._principal(request)
        _principal.set(principal)
        return Context(
            app=self.riskpool,
            principal=principal,
            request_id=state.get("request_id", ""),
            snapshot=state["read_snapshot"],
        )

    async def _principal(self, request: Request | WebSocket) -> Principal | None:
        header = request.headers.get("authorization")
        if header:
            return await self.authenticator.authenticate(header)
        if (
            isinstance(request, Request)
            and self.graphql_ide
            and self.should_render_graphql_ide(self.request_adapter_class(request))
        ):
            return None  # the GraphiQL page itself (development only) needs no token
        raise HTTPException(401, "A bearer token is required.")

    def parse_json(self, data: str | bytes) -> Any:
        """A request (or its ``variables``) must be one JSON object: ``null``, ``"str"``,
        ``123``, ``true`` and arrays (no batching here) are 400, never a fault."""
        parsed = super().parse_json(data)
        if not isinstance(parsed, dict):
            raise HTTPException(400, "The request must be a JSON object.")
        return parsed

    async def parse_http_body(self, request: Any) -> GraphQLRequestData:
        """The request, with the document and the variables size-checked before parsing."""
        data = await super().parse_http_body(request)
        assert isinstance(data, GraphQLRequestData)  # batching is off; lists are refused above
        settings = self.riskpool.settings
        if data.query is not None and len(data.query.encode()) > settings.max_document_bytes:
            raise HTTPException(
                413, f"The GraphQL document exceeds {settings.max_document_bytes} bytes."
            )
        if data.variables:
            limit = (
                upload_limit(self.riskpool)
                if _may_upload(_principal.get())
                else settings.max_variables_bytes
            )
            size = len(json.dumps(data.variables, separators=(",", ":")).encode())
            if size > limit:
                raise HTTPException(413, f"The variables exceed {limit} bytes.")
        return data

    async def process_result(
        self, request: Request | WebSocket, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """An outage anywhere in the result makes the whole answer a retryable 503."""
        processed = await super().process_result(request, result)  # type: ignore[arg-type]
        if any(
            (e.extensions or {}).get("code") == ErrorCode.UNAVAILABLE for e in result.errors or ()
        ):
            sub_response = request.scope["state"]["sub_response"]
            sub_response.status_code = 503
            sub_response.headers["Retry-After"] = str(self.riskpool.settings.retry_after_seconds)
        return processed


def _may_upload(principal: Principal | None) -> bool:
    return principal is not None and allowed(principal.role, Operation.RECONCILE)


class RequestScope:
    """ASGI middleware: request id, structured access log, per-request read snapshot."""

    def __init__(self, inner: ASGIApp, app: App) -> None:
        self.inner = inner
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        snapshot = ReadSnapshot(self.app.db)
        state["read_snapshot"] = snapshot
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.inner(scope, receive, send_with_id)
            finally:
                try:
                    await snapshot.close()
                except Exception as exc:
                    # The answer has gone out; a connection lost meanwhile is only logged.
                    if not is_outage(exc):
                        raise
                    log.warning("http.snapshot_close_failed", error=type(exc).__name__)
                log.info(
                    "http.request",
                    request_id=request_id,
                    method=scope.get("method"),
                    path=scope.get("path"),
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )


class _TruncatedRecords(logging.Filter):
    """Cut strawberry's error log lines: they quote what the client sent.

    The message and every line of an attached traceback (whose last line
    repeats the exception's message) are cut to the response's limit.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = truncate(record.getMessage())
        record.args = None
        if record.exc_info:
            trace = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = "\n".join(truncate(line) for line in trace.splitlines())
        return True


def _truncate_strawberry_logs() -> None:
    logger = logging.getLogger("strawberry.execution")
    if not any(isinstance(f, _TruncatedRecords) for f in logger.filters):
        logger.addFilter(_TruncatedRecords())


def create_app(app: App, *, on_startup: Any = None) -> Starlette:
    """The ASGI app over an already-built :class:`~riskpool.bootstrap.App`.

    Refuses (:class:`~riskpool.settings.SettingsError`) to build a production app
    with an unsafe token secret, whoever serves it.
    """
    app.settings.check_serving()
    _truncate_strawberry_logs()
    retry_after = str(app.settings.retry_after_seconds)

    async def healthz(request: Request) -> Response:
        try:
            async with app.db.transaction(write=False) as conn:
                await conn.exec_driver_sql("SELECT 1")
        except Exception as exc:
            log.warning("healthz.unavailable", error=type(exc).__name__)
            return JSONResponse({"status": "unavailable"}, 503, {"Retry-After": retry_after})
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if on_startup is not None:
            await on_startup(app)
        try:
            yield
        finally:
            await app.close()

    async def mint_dev_token(role: Role, institution_id: int | None) -> str:
        # Development only (pages.routes leaves the login out in production).
        if institution_id is not None and not await app.institution_exists(institution_id):
            raise RiskpoolError(ErrorCode.VALIDATION, f"no institution {institution_id}")
        return mint(
            token_settings(app), subject="dashboard-dev", role=role, institution_id=institution_id
        )

    graphql = RiskpoolGraphQL(app)
    starlette = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Mount("/graphql/", graphql),
            *pages.routes(production=app.settings.is_production, mint=mint_dev_token),
        ],
        lifespan=lifespan,
    )
    authenticator = graphql.authenticator
    large = upload_limit(app)

    def limit_for(scope: Scope) -> int:
        # Only a principal that may import statements gets the upload limit; the
        # token is checked offline here (a signature), fully in the view later.
        for name, value in scope.get("headers") or ():
            if name == b"authorization":
                try:
                    principal = authenticator.decode(value.decode("latin-1"))
                except RiskpoolError:
                    break
                return large if _may_upload(principal) else app.settings.max_body_bytes
        return app.settings.max_body_bytes

    starlette.add_middleware(BodyLimit, limit_for=limit_for)
    starlette.add_middleware(RequestScope, app=app)
    starlette.add_middleware(
        CORSMiddleware,
        allow_origins=list(app.settings.allowed_origins),
        allow_origin_regex=app.settings.allowed_origin_regex,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After"],
        max_age=600,
    )
    return starlette
