"""The HTTP edge against a hostile client: body, document and variable limits, request
shapes, the byte-bounded document cache, fragment-spread aliases, and CORS."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from api_harness import Api

from riskpool.bootstrap import build
from riskpool.domain.model.parties import Role
from riskpool.graphql.app import create_app, token_settings
from riskpool.graphql.auth.tokens import mint
from riskpool.graphql.core.documents import CachedDocument, DocumentCache
from riskpool.settings import Settings

MiB = 1024 * 1024
SECRET = "a-production-secret-of-at-least-32-bytes!"


@asynccontextmanager
async def client_for(
    database: Any, **overrides: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """A client of an app over ``database`` built with settings ``overrides``."""
    app = build(Settings(database_url=database.url, load_demo=False, **overrides))
    asgi = create_app(app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="http://test"
    ) as client:
        yield client, app
    await app.close()


def bearer(api: Api, role: Role = Role.OPERATOR) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token(role)}"}


def code_of(response: httpx.Response) -> str:
    (error,) = response.json()["errors"]
    return str(error["extensions"]["code"])


async def test_a_body_above_the_limit_is_413_before_it_is_read(api: Api) -> None:
    big = b'{"query": "{ books { code } }", "pad": "' + b"x" * (2 * MiB) + b'"}'
    for headers in ({}, bearer(api, Role.FINANCE_BUREAU)):
        response = await api.client.post(
            "/graphql", content=big, headers={**headers, "Content-Type": "application/json"}
        )
        assert response.status_code == 413
        assert code_of(response) == "PAYLOAD_TOO_LARGE"


async def test_only_a_principal_that_may_import_statements_gets_the_upload_limit(
    api: Api,
) -> None:
    body = b'{"query": "{ books { code } }", "pad": "' + b"x" * (MiB + MiB // 2) + b'"}'
    headers = {"Content-Type": "application/json"}
    bureau = await api.client.post(
        "/graphql", content=body, headers={**headers, **bearer(api, Role.FINANCE_BUREAU)}
    )
    assert bureau.status_code == 413
    operator = await api.client.post("/graphql", content=body, headers={**headers, **bearer(api)})
    assert operator.status_code == 200 and operator.json()["data"]["books"]
    from riskpool.graphql.app import upload_limit

    beyond = b'{"pad": "' + b"x" * upload_limit(api.app) + b'"}'
    too_big = await api.client.post("/graphql", content=beyond, headers={**headers, **bearer(api)})
    assert too_big.status_code == 413 and code_of(too_big) == "PAYLOAD_TOO_LARGE"


async def test_a_streamed_body_is_counted_and_cut_off_at_the_limit(api: Api) -> None:
    """Without Content-Length the middleware counts the chunks and stops reading."""
    asgi = create_app(api.app)
    chunk = b"x" * (64 * 1024)
    received = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": chunk, "more_body": received < 10_000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"host", b"test")],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }
    await asgi(scope, receive, send)
    assert sent[0]["status"] == 413
    assert received * len(chunk) <= MiB + len(chunk)  # never more than the limit, plus a chunk


@pytest.mark.parametrize(
    "body", ["null", '"str"', "123", "true", "[]", '[{"query": "{ books { code } }"}]']
)
async def test_a_body_that_is_not_a_json_object_is_400(api: Api, body: str) -> None:
    response = await api.client.post(
        "/graphql", content=body, headers={**bearer(api), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert code_of(response) == "BAD_REQUEST"
    anonymous = await api.client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert anonymous.status_code == 401


async def test_malformed_json_and_non_object_variables_are_400(api: Api) -> None:
    for body in ('{"query": ', '{"query": "{ books { code } }", "variables": [1]}'):
        response = await api.client.post(
            "/graphql", content=body, headers={**bearer(api), "Content-Type": "application/json"}
        )
        assert response.status_code == 400, body
        assert code_of(response) == "BAD_REQUEST"


async def test_a_document_above_its_limit_is_413_and_never_parsed(
    database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from riskpool.graphql.core import documents

    parsed: list[object] = []
    monkeypatch.setattr(documents, "parse", lambda *a, **k: parsed.append(a))
    async with client_for(database, max_document_bytes=2000) as (client, app):
        token = mint(token_settings(app), subject="x", role=Role.OPERATOR)
        headers = {"Authorization": f"Bearer {token}"}
        document = "{ books { code } }" + " " * 2000
        post = await client.post("/graphql", json={"query": document}, headers=headers)
        assert post.status_code == 413 and code_of(post) == "PAYLOAD_TOO_LARGE"
        get = await client.get("/graphql", params={"query": document}, headers=headers)
        assert get.status_code == 413 and code_of(get) == "PAYLOAD_TOO_LARGE"
    assert parsed == []


async def test_variables_above_their_limit_are_413_except_for_statement_uploads(api: Api) -> None:
    query = "query($x: String) { accounts(book: $x, first: 1) { totalCount } }"
    padding = {"x": "y" * (api.app.settings.max_variables_bytes + 1)}
    bureau = await api.client.post(
        "/graphql",
        json={"query": query, "variables": padding},
        headers=bearer(api, Role.FINANCE_BUREAU),
    )
    assert bureau.status_code == 413 and code_of(bureau) == "PAYLOAD_TOO_LARGE"
    operator = await api.client.post(
        "/graphql", json={"query": query, "variables": padding}, headers=bearer(api)
    )
    assert operator.status_code == 200  # read, and answered (no such book)


async def test_a_large_value_is_never_echoed_in_full(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    from structlog.testing import capture_logs

    huge = "9" * 100_000
    documents = [
        "query($v: Int!) { loans(first: $v) { totalCount } }",
        'mutation($v: Amount!) { topUp(book: CITY_POOL, on: "2025-07-01", amount: {amount: $v}, '
        'reference: "r", idempotencyKey: "k") { userErrors { code } } }',
        "query($v: LoanFilterInput) { loans(first: 1, filter: $v) { totalCount } }",
        "query($v: Date!) { poolStatistics(asOf: $v) { asOf } }",
    ]
    for document in documents:
        with capture_logs() as logs, caplog.at_level("DEBUG"):
            response = await api.client.post(
                "/graphql",
                json={"query": document, "variables": {"v": huge}},
                headers=bearer(api, Role.FINANCE_BUREAU),
            )
        assert response.status_code == 200, response.text[:300]
        errors = response.json()["errors"]
        assert errors and all(len(e["message"]) <= 400 for e in errors), document
        assert len(response.text) < 5_000
        assert huge not in str(logs)
        assert all(len(record.getMessage()) <= 400 for record in caplog.records)
        assert huge not in caplog.text


async def test_aliases_inside_fragment_spreads_count_towards_the_limit(api: Api) -> None:
    limit = api.app.settings.max_aliases
    aliases = " ".join(f"a{i}: code" for i in range(limit + 5))
    nested = "query { books { ...Many } } fragment Many on Book { " + aliases + " }"
    body = await api.gql(nested)
    assert body["data"] is None
    assert "aliases" in body["errors"][0]["message"].lower()
    inline = "query { books { ... on Book { " + aliases + " } } }"
    assert "aliases" in (await api.gql(inline))["errors"][0]["message"].lower()


def test_the_document_cache_is_bounded_in_bytes() -> None:
    from graphql import parse

    cache = DocumentCache(max_bytes=10_000, weight=1)
    for n in range(50):
        text = "{ books { code } }" + " " * 1000 + f"# {n}"
        cache.put(text, CachedDocument(parse(text)))
        assert cache.bytes <= 10_000
    assert len(cache) == 9
    assert cache.get("{ books { code } }" + " " * 1000 + "# 49") is not None
    assert cache.get("{ books { code } }" + " " * 1000 + "# 0") is None
    too_big = "{ books { code } }" + " " * 20_000
    cache.put(too_big, CachedDocument(parse(too_big)))
    assert cache.get(too_big) is None and cache.bytes <= 10_000


async def test_the_server_caches_within_its_byte_budget(
    database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from riskpool.graphql.core import documents

    parses: list[str] = []
    real = documents.parse

    def counting(source: Any, **options: Any) -> Any:
        parses.append(str(source))
        return real(source, **options)

    monkeypatch.setattr(documents, "parse", counting)
    budget = 4096 * documents.AST_WEIGHT  # about four of the documents below
    async with client_for(database, document_cache_bytes=budget) as (client, app):
        token = mint(token_settings(app), subject="x", role=Role.OPERATOR)
        headers = {"Authorization": f"Bearer {token}"}
        run = uuid.uuid4()  # the schema (and its cache) is shared by tests with equal settings
        texts = ["{ books { code } }" + " " * 1000 + f"# {run} {n}" for n in range(8)]
        for text in texts:
            await client.post("/graphql", json={"query": text}, headers=headers)
        await client.post("/graphql", json={"query": texts[-1]}, headers=headers)
        assert parses.count(texts[-1]) == 1  # still cached
        await client.post("/graphql", json={"query": texts[0]}, headers=headers)
        assert parses.count(texts[0]) == 2  # evicted: the budget holds about four


async def test_cors_preflight_allows_local_origins_in_development(api: Api) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    local = await api.client.options(
        "/graphql", headers={"Origin": "http://localhost:5173", **preflight}
    )
    assert local.status_code == 200
    assert local.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "authorization" in local.headers["access-control-allow-headers"].lower()
    foreign = await api.client.options(
        "/graphql", headers={"Origin": "https://evil.example", **preflight}
    )
    assert foreign.status_code == 400
    assert "access-control-allow-origin" not in foreign.headers
    simple = await api.client.post(
        "/graphql",
        json={"query": "{ books { code } }"},
        headers={"Origin": "http://127.0.0.1:8080", **bearer(api)},
    )
    assert simple.headers["access-control-allow-origin"] == "http://127.0.0.1:8080"


async def test_cors_allows_no_origin_in_production_unless_configured(database: Any) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    async with client_for(database, environment="production", jwt_secret=SECRET) as (client, _):
        local = await client.options(
            "/graphql", headers={"Origin": "http://localhost:5173", **preflight}
        )
        assert local.status_code == 400 and "access-control-allow-origin" not in local.headers
    async with client_for(
        database,
        environment="production",
        jwt_secret=SECRET,
        cors_origins="https://dashboard.example.gov.cn",
    ) as (client, _):
        allowed = await client.options(
            "/graphql", headers={"Origin": "https://dashboard.example.gov.cn", **preflight}
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://dashboard.example.gov.cn"
        other = await client.options(
            "/graphql", headers={"Origin": "http://localhost:5173", **preflight}
        )
        assert other.status_code == 400


def test_strawberry_is_pinned_past_the_fragment_alias_bypass() -> None:
    from importlib.metadata import version

    from packaging.version import Version

    assert Version(version("strawberry-graphql")) >= Version("0.315.7")
