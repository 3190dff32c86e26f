"""Queries of claims, by state, institution and loan (scoped by the claims view)."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from strawberry.types import Info

from riskpool.domain.views import claims as claim_views
from riskpool.graphql.claims.types import ClaimNode, ClaimState
from riskpool.graphql.core import loaders
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.pagination import Connection, connection_of, page_request


@strawberry.type
class ClaimQuery:
    @strawberry.field(description="Claims as a keyset-paginated connection.")
    async def claims(
        self,
        info: Info[Context, None],
        state: ClaimState | None = None,  # type: ignore[valid-type]
        institution_id: int | None = None,
        loan_id: int | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ClaimNode]:
        where = claim_views.ClaimFilter(state=state, institution_id=institution_id, loan_id=loan_id)
        request = page_request(first, after, last, before)
        page = await info.context.view(claim_views.page, where, request)

        async def nodes(ids: Sequence[int]) -> list[ClaimNode]:
            found = await loaders.claims(info.context).load_many(list(ids))
            return [ClaimNode.of(c) for c in found if c is not None]

        connection: Connection[ClaimNode] = await connection_of(page, nodes)
        return connection
