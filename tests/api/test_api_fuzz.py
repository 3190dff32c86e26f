"""schemathesis fuzzes every query and mutation in-process with a valid token.

Whatever it sends, the server must answer without a 5xx and without a masked
internal error: bad input is refused with a typed error, never a crash.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import schemathesis
from api_harness import build_world
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from riskpool.bootstrap import build
from riskpool.db import Database, create_engine
from riskpool.domain.model.parties import Role
from riskpool.graphql.app import create_app, token_settings
from riskpool.graphql.auth.tokens import mint
from riskpool.settings import Settings

schemathesis.graphql.scalar(
    "Amount",
    st.one_of(
        st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False).map(
            lambda d: nodes.String(format(d, "f"))
        ),
        st.text(max_size=12).map(nodes.String),
    ),
)
schemathesis.graphql.scalar("JSON", st.just(nodes.String("{}")))


@pytest.fixture
def fuzz_target(database: Any) -> Any:
    settings_ = Settings(database_url=database.url, load_demo=False)
    db = Database(create_engine(database.url, pooled=False))
    app = build(settings_, db=db)
    asyncio.run(build_world(app))
    token = mint(token_settings(app), subject="fuzzer", role=Role.OPERATOR)
    return create_app(app), token


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _check(case: Any, token: str) -> None:
    response = case.call(headers=_auth(token))
    assert response.status_code < 500, response.text
    for error in response.json().get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code != "INTERNAL", f"masked internal error for {case.body}: {error}"


def test_fuzz_every_operation(fuzz_target: Any) -> None:
    asgi, token = fuzz_target
    schema = schemathesis.graphql.from_asgi("/graphql", asgi, headers=_auth(token))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:

        @settings(
            max_examples=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            _check(case, token)

        run()
