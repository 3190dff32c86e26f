"""Queries of institutions and firms (scoped by the views: an institution user sees itself)."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from strawberry.types import Info

from riskpool.domain.views import parties as party_views
from riskpool.graphql.core import loaders
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.pagination import Connection, connection_of, page_request
from riskpool.graphql.parties.types import FirmType, InstitutionKind, InstitutionType


@strawberry.type
class PartyQuery:
    @strawberry.field(description="Cooperating institutions.")
    async def institutions(
        self,
        info: Info[Context, None],
        kind: InstitutionKind | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[InstitutionType]:
        request = page_request(first, after, last, before)
        page = await info.context.view(party_views.institutions_page, kind, request)

        async def nodes(ids: Sequence[int]) -> list[InstitutionType]:
            found = await loaders.institutions(info.context).load_many(list(ids))
            return [InstitutionType.of(i) for i in found if i is not None]

        connection: Connection[InstitutionType] = await connection_of(page, nodes)
        return connection

    @strawberry.field(description="Borrowing firms.")
    async def firms(
        self,
        info: Info[Context, None],
        sector: str | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[FirmType]:
        request = page_request(first, after, last, before)
        page = await info.context.view(party_views.firms_page, sector, request)

        async def nodes(ids: Sequence[int]) -> list[FirmType]:
            found = await loaders.firms(info.context).load_many(list(ids))
            return [FirmType.of(f) for f in found if f is not None]

        connection: Connection[FirmType] = await connection_of(page, nodes)
        return connection
