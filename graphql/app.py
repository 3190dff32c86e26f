"""The ASGI application: ``/graphql`` (strawberry) and ``/healthz`` on Starlette.

Request handling, outermost first: a request id (from ``X-Request-ID`` or
new) bound into structured logs and echoed in the response; a per-request read
snapshot closed when the response is done; bearer-token authentication into a
:class:`~riskpool.graphql.auth.tokens.Principal`. Queries are accepted over GET
and POST; mutations only over POST (strawberry refuses them over GET), and a
POST must be ``application/json`` (no form posts, so no CSRF through forms).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from riskpool.bootstrap import App
from riskpool.errors import RiskpoolError
from riskpool.graphql.auth.tokens import Principal, TokenSettings, verify
from riskpool.graphql.core.context import Context
from riskpool.graphql.schema import build_schema
from riskpool.snapshot import ReadSnapshot

log = structlog.get_logger("riskpool.http")


def token_settings(app: App) -> TokenSettings:
    s = app.settings
    return TokenSettings(secret=s.jwt_secret, issuer=s.jwt_issuer, audience=s.jwt_audience)


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

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        principal = self._principal(request)
        return Context(
            app=self.riskpool,
            principal=principal,
            request_id=request.scope.get("state", {}).get("request_id", ""),
            snapshot=request.scope["state"]["read_snapshot"],
        )

    def _principal(self, request: Request | WebSocket) -> Principal | None:
        header = request.headers.get("authorization")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "Authorization must be 'Bearer <token>'")
        try:
            return verify(self.tokens, token.strip())
        except RiskpoolError as exc:
            raise HTTPException(401, exc.message) from None


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
                await snapshot.close()
                log.info(
                    "http.request",
                    request_id=request_id,
                    method=scope.get("method"),
                    path=scope.get("path"),
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )


def create_app(app: App, *, on_startup: Any = None) -> Starlette:
    """The ASGI app over an already-built :class:`~riskpool.bootstrap.App`."""

    async def healthz(request: Request) -> Response:
        try:
            async with app.db.transaction(write=False) as conn:
                await conn.exec_driver_sql("SELECT 1")
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, 503)
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if on_startup is not None:
            await on_startup(app)
        try:
            yield
        finally:
            await app.close()

    graphql = RiskpoolGraphQL(app)
    starlette = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Mount("/graphql/", graphql),
        ],
        lifespan=lifespan,
    )
    starlette.add_middleware(RequestScope, app=app)
    return starlette
