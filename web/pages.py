"""Routes of the browser pages: ``/static``, ``/dashboard`` and its development login.

The pages themselves carry no data and need no token: the dashboard's script
reads everything through ``/graphql`` with the user's bearer token, so it sees
exactly what the API lets that user see (an institution its own figures).
The development login mints a token with one click; it is absent in
production, where tokens come from the deployment's identity provider.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from riskpool.domain.model.parties import Role
from riskpool.errors import ErrorCode, RiskpoolError

STATIC_DIR = Path(__file__).parent / "static"
"""Vendored libraries and the dashboard's script, served under ``/static``."""

Minter = Callable[[Role, int | None], Awaitable[str]]
"""Mints a development token for a role (and an institution for that role), or refuses."""


def template(name: str) -> str:
    """A page of ``templates/`` (package data, so an installed riskpool serves it too)."""
    return resources.files("riskpool.web").joinpath("templates", name).read_text("utf-8")


def graphiql_html() -> str:
    """GraphiQL referencing only ``/static``: strawberry's own page loads it from a CDN."""
    return template("graphiql.html")


def _refusal(status: int, code: ErrorCode, message: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": str(code)}}]}, status
    )


def routes(*, production: bool, mint: Minter) -> list[BaseRoute]:
    """The browser routes; the development login only outside production."""
    dashboard_page = template("dashboard.html").replace(
        "__DEV_LOGIN__", "false" if production else "true"
    )

    async def dashboard(_: Request) -> Response:
        return HTMLResponse(dashboard_page)

    async def dev_login(request: Request) -> Response:
        # JSON only: a cross-site form cannot send it without a CORS preflight.
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _refusal(415, ErrorCode.VALIDATION, "The request must be application/json.")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _refusal(400, ErrorCode.VALIDATION, "The request must be a JSON object.")
        if not isinstance(body, dict):
            return _refusal(400, ErrorCode.VALIDATION, "The request must be a JSON object.")
        role_name = body.get("role", "operator")
        institution = body.get("institutionId")
        if not isinstance(role_name, str) or role_name.upper() not in Role.__members__:
            return _refusal(400, ErrorCode.VALIDATION, f"Unknown role {str(role_name)[:40]!r}.")
        if institution is not None and (
            isinstance(institution, bool) or not isinstance(institution, int)
        ):
            return _refusal(400, ErrorCode.VALIDATION, "institutionId must be an integer.")
        try:
            token = await mint(Role[role_name.upper()], institution)
        except RiskpoolError as exc:
            return _refusal(400, exc.code, exc.message)
        return JSONResponse({"token": token})

    found: list[BaseRoute] = [
        Route("/dashboard", dashboard, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    if not production:
        found.append(Route("/dashboard/dev-login", dev_login, methods=["POST"]))
    return found
