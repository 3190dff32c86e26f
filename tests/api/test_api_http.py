"""HTTP behaviour of /graphql and /healthz: auth, methods, limits, masking, cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from api_harness import Api

from riskpool.bootstrap import build
from riskpool.domain.model.parties import Role
from riskpool.graphql.app import create_app, token_settings
from riskpool.graphql.auth.tokens import mint
from riskpool.settings import Settings


async def test_healthz_says_unavailable_with_retry_after_when_the_database_fails(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def refused(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionRefusedError("connect failed")
        yield

    monkeypatch.setattr(api.app.db, "transaction", refused)
    response = await api.client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert response.headers["retry-after"] == str(api.app.settings.retry_after_seconds)


async def test_an_outage_inside_a_resolver_is_503_unavailable_not_internal(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from riskpool.ledger.store import LedgerStore

    async def lost(self: Any) -> Any:
        raise ConnectionResetError("connection reset by peer")

    monkeypatch.setattr(LedgerStore, "books", lost)
    response = await api.client.post(
        "/graphql", json={"query": "{ books { code } }"}, headers=_bearer(api)
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(api.app.settings.retry_after_seconds)
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAVAILABLE", "retryable": True}
    assert "reset" not in error["message"]


def _bearer(api: Api) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token(Role.OPERATOR)}"}


async def test_healthz(api: Api) -> None:
    response = await api.client.get("/healthz")
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


async def test_request_id_is_echoed(api: Api) -> None:
    response = await api.client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


async def test_query_over_get_works_and_mutation_over_get_is_refused(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.token(Role.OPERATOR)}"}
    ok = await api.client.get("/graphql", params={"query": "{ books { code } }"}, headers=headers)
    assert ok.status_code == 200 and ok.json()["data"]["books"]
    refused = await api.client.get(
        "/graphql",
        params={"query": "mutation { markLoanCurrent(loanId: 1) { userErrors { code } } }"},
        headers=headers,
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_post_must_be_json(api: Api) -> None:
    response = await api.client.post(
        "/graphql",
        content="query={books{code}}",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": f"Bearer {api.token(Role.OPERATOR)}",
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_graphiql_in_development(api: Api) -> None:
    response = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_missing_token_is_a_json_401_that_names_nothing_of_the_schema(api: Api) -> None:
    for request in (
        api.client.post("/graphql", json={"query": "{ loans { totalCount } }"}),
        api.client.post("/graphql", json={"query": "{ lons { totalCount } }"}),
        api.client.get("/graphql", params={"query": "{ books { code } }"}),
    ):
        response = await request
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/json"
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json() == {
            "errors": [
                {
                    "message": "A valid bearer token is required.",
                    "extensions": {"code": "UNAUTHENTICATED"},
                }
            ]
        }


@pytest.mark.parametrize(
    "mutate",
    [
        lambda claims: {**claims, "exp": datetime.now(UTC) - timedelta(minutes=1)},
        lambda claims: {**claims, "iss": "someone-else"},
        lambda claims: {**claims, "aud": "another-api"},
        lambda claims: {**claims, "role": "SUPERUSER"},
        lambda claims: {**claims, "role": "INSTITUTION"},
        lambda claims: {**claims, "role": "INSTITUTION", "institution_id": 2**70},
    ],
)
async def test_bad_tokens_get_the_same_401_without_the_reason(api: Api, mutate: Any) -> None:
    settings = token_settings(api.app)
    now = datetime.now(UTC)
    claims = {
        "sub": "x",
        "role": "OPERATOR",
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    token = jwt.encode(mutate(claims), settings.secret, algorithm="HS256")
    response = await api.client.post(
        "/graphql",
        json={"query": "{ books { code } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    (error,) = response.json()["errors"]
    assert error == {
        "message": "A valid bearer token is required.",
        "extensions": {"code": "UNAUTHENTICATED"},
    }


async def test_a_token_for_an_institution_that_does_not_exist_is_refused(api: Api) -> None:
    query = {"query": "{ loans { totalCount } }"}
    unknown = api.token(Role.INSTITUTION, institution_id=999_999)
    refused = await api.client.post(
        "/graphql", json=query, headers={"Authorization": f"Bearer {unknown}"}
    )
    assert refused.status_code == 401
    known = api.token(Role.INSTITUTION, institution_id=api.world.bank_a)
    accepted = await api.client.post(
        "/graphql", json=query, headers={"Authorization": f"Bearer {known}"}
    )
    assert accepted.status_code == 200 and "errors" not in accepted.json()


async def test_a_malformed_authorization_header_is_the_same_401(api: Api) -> None:
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer not.a.token"):
        response = await api.client.post(
            "/graphql", json={"query": "{ books { code } }"}, headers={"Authorization": header}
        )
        assert response.status_code == 401, header
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_alg_none_and_foreign_keys_are_refused(api: Api) -> None:
    settings = token_settings(api.app)
    now = datetime.now(UTC)
    claims = {
        "sub": "x",
        "role": "OPERATOR",
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    for token in (
        jwt.encode(claims, None, algorithm="none"),
        jwt.encode(claims, "another-secret-that-is-long-enough", algorithm="HS256"),
    ):
        response = await api.client.post(
            "/graphql",
            json={"query": "{ books { code } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 401


async def test_cost_is_reported_and_limited(api: Api) -> None:
    body = await api.gql("{ loans(first: 5) { nodes { contractNo } } }")
    assert body["extensions"]["cost"]["requested"] > 5
    page = (
        "loans(first: 100) { nodes { claims { trail { seq } loan { claims { trail { seq } } } } } }"
    )
    costly = await api.gql("{ " + " ".join(f"a{i}: {page}" for i in range(10)) + " }")
    assert costly["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert costly["data"] is None


async def test_depth_alias_and_token_limits(api: Api) -> None:
    deep = "{ claims { nodes " + "{ loan { claims " * 8 + "{ state }" + " } }" * 8 + " } }"
    body = await api.gql(deep)
    assert "depth" in body["errors"][0]["message"]
    aliases = "{ " + " ".join(f"a{i}: books {{ code }}" for i in range(30)) + " }"
    assert "errors" in await api.gql(aliases)
    tokens = "{ books { " + " ".join("code" for _ in range(4000)) + " } }"
    assert "errors" in await api.gql(tokens)


async def test_page_size_is_capped(api: Api) -> None:
    body = await api.gql("{ loans(first: 101) { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_money_is_exact_and_malformed_amounts_are_refused(api: Api) -> None:
    body = await api.gql(
        "{ loans(first: 1) { nodes { creditLine { amount currency minorUnits } } } }"
    )
    assert body["data"]["loans"]["nodes"][0]["creditLine"] == {
        "amount": "1000000.00",
        "currency": "CNY",
        "minorUnits": "100000000",
    }
    for bad in ("1e3", "NaN", "Infinity", "1.001", "12,5", ""):
        result = await api.gql(
            'mutation($a: Amount!) { topUp(book: CITY_POOL, on: "2025-07-01", '
            'amount: {amount: $a}, reference: "r", idempotencyKey: "k") '
            "{ userErrors { code } } }",
            {"a": bad},
            role=Role.FINANCE_BUREAU,
        )
        refused = result.get("errors") or result["data"]["topUp"]["userErrors"]
        assert refused, bad


async def test_unexpected_exceptions_are_masked(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from riskpool.ledger.store import LedgerStore

    async def boom(self: Any) -> Any:
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(LedgerStore, "books", boom)
    body = await api.gql("{ books { code } }")
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert "hunter2" not in str(body)


PRODUCTION_SECRET = "a-production-secret-of-at-least-32-bytes!"


async def test_production_turns_off_introspection_graphiql_and_suggestions(database: Any) -> None:
    settings = Settings(
        database_url=database.url, environment="production", jwt_secret=PRODUCTION_SECRET
    )
    app = build(settings)
    asgi = create_app(app)
    token = mint(token_settings(app), subject="x", role=Role.VIEWER)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="http://test"
    ) as client:
        body = (
            await client.post(
                "/graphql", json={"query": "{ __schema { types { name } } }"}, headers=headers
            )
        ).json()
        assert "errors" in body
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        for query in (
            "{ book { code } }",
            "{ books { cod } }",
            "{ loans(firt: 1) { totalCount } }",
        ):
            typo = (await client.post("/graphql", json={"query": query}, headers=headers)).json()
            assert typo["errors"], query
            assert "did you mean" not in str(typo).lower(), typo
    await app.close()


async def test_development_keeps_suggestions(api: Api) -> None:
    body = await api.gql("{ book { code } }")
    assert "Did you mean" in body["errors"][0]["message"]


async def test_parsing_and_validation_are_cached_across_requests(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from riskpool.graphql.core import documents

    calls: list[str] = []
    real = documents.parse

    def counting(source: Any, **options: Any) -> Any:
        calls.append(str(source))
        return real(source, **options)

    monkeypatch.setattr(documents, "parse", counting)
    import uuid

    query = f"{{ loans(first: 3) {{ totalCount }} }} # parsed once {uuid.uuid4()}"
    first = await api.gql(query)
    again = await api.gql(query)
    assert first == again and calls == [query]


async def test_statistics_are_cached_until_the_domain_changes(api: Api) -> None:
    query = '{ loanStatistics(asOf: "2025-12-31") { totals { disbursed { amount } } } }'
    cache = api.app.statistics
    first = await api.gql(query)
    misses = cache.misses
    again = await api.gql(query)
    assert again["data"] == first["data"] and cache.misses == misses and cache.hits >= 1
    await api.gql(
        'mutation($l: Int!) { disburseLoan(loanId: $l, on: "2025-06-10", '
        'amount: {amount: "100000.00"}, idempotencyKey: "more") { userErrors { code } } }',
        {"l": api.world.loan_b},
    )
    after = await api.gql(query)
    assert cache.misses == misses + 1
    assert after["data"]["loanStatistics"]["totals"]["disbursed"]["amount"] == "2500000.00"


async def test_access_log_is_structured_and_carries_the_request_id(api: Api) -> None:
    from structlog.testing import capture_logs

    with capture_logs() as logs:
        await api.client.get("/healthz", headers={"X-Request-ID": "req-42"})
    access = [e for e in logs if e.get("event") == "http.request"]
    assert access and access[0]["request_id"] == "req-42"
    assert access[0]["status"] == 200 and access[0]["path"] == "/healthz"


async def test_a_request_reads_one_snapshot(api: Api) -> None:
    """On PostgreSQL the request's read snapshot is REPEATABLE READ: every figure of a
    dashboard comes from the same snapshot (SQLite's WAL read transaction is one already)."""
    from sqlalchemy import text

    from riskpool.snapshot import ReadSnapshot

    session = ReadSnapshot(api.app.db)
    try:
        if api.app.db.dialect == "postgresql":
            level = await session.run(lambda conn: conn.scalar(text("SHOW transaction_isolation")))
            assert level == "repeatable read"
        else:
            assert await session.run(lambda conn: conn.scalar(text("SELECT 1"))) == 1
    finally:
        await session.close()


async def test_nul_characters_are_refused_before_anything_runs(api: Api) -> None:
    literal = await api.gql('{ journalEntries(book: "CITY\\u0000POOL") { totalCount } }')
    assert literal["errors"][0]["extensions"]["code"] == "VALIDATION"
    variable = await api.gql(
        'mutation($k: String!) { topUp(book: CITY_POOL, on: "2025-07-01", '
        'amount: {amount: "1.00"}, reference: "r", idempotencyKey: $k) { userErrors { code } } }',
        {"k": "key\x00"},
        role=Role.FINANCE_BUREAU,
    )
    assert variable["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_bad_variables_are_client_errors_not_internal_ones(api: Api) -> None:
    """A missing or malformed variable is the client's mistake: a coded error that says
    what is wrong, never the masked INTERNAL one."""
    query = (
        "query($book: String!, $asOf: Date) "
        "{ accounts(book: $book, asOf: $asOf, first: 5) { totalCount } }"
    )
    amount = (
        'mutation($a: Amount!) { topUp(book: CITY_POOL, on: "2025-07-01", '
        'amount: {amount: $a}, reference: "r", idempotencyKey: "k") { userErrors { code } } }'
    )
    cases: list[tuple[str, dict[str, Any], Role, str]] = [
        (query, {}, Role.OPERATOR, "$book"),
        (query, {"book": 5}, Role.OPERATOR, "$book"),
        (query, {"book": "CITY_POOL", "asOf": "not-a-date"}, Role.OPERATOR, "$asOf"),
        (amount, {"a": "1e3"}, Role.FINANCE_BUREAU, "$a"),
    ]
    for document, variables, role, named in cases:
        body = await api.gql(document, variables, role=role)
        (error,) = body["errors"]
        assert error["extensions"]["code"] in {"GRAPHQL_VALIDATION", "VALIDATION"}, error
        assert named in error["message"], (variables, error)
