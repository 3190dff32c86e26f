"""Data loaders for the domain's relations, one per request, batched through the views.

Every relation goes through one of these, so a page of N loans with their
lenders, firms and claims costs a fixed number of statements, not N of them.
The views apply the caller's scope, so a loader answers ``None`` for a row the
caller may not read, exactly as for a row that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from riskpool.domain.model.claim import Claim
from riskpool.domain.model.loan import Loan
from riskpool.domain.model.parties import Firm, Institution
from riskpool.domain.views import View
from riskpool.domain.views import claims as claim_views
from riskpool.domain.views import loans as loan_views
from riskpool.domain.views import parties as party_views
from riskpool.graphql.core.context import Context

V = TypeVar("V")


def by_id(
    context: Context, name: str, read: View[[Sequence[int]], dict[int, V]]
) -> DataLoader[int, V | None]:
    """The request's loader ``name`` over the batch view ``read`` (ids → found rows)."""

    def make(c: Context) -> DataLoader[int, V | None]:
        async def load(ids: Sequence[int]) -> list[V | None]:
            found = await c.view(read, ids)
            return [found.get(i) for i in ids]

        return DataLoader(load_fn=load)

    loader: DataLoader[int, V | None] = context.loader(name, make)
    return loader


def institutions(context: Context) -> DataLoader[int, Institution | None]:
    return by_id(context, "institutions", party_views.institutions_by_id)


def firms(context: Context) -> DataLoader[int, Firm | None]:
    return by_id(context, "firms", party_views.firms_by_id)


def loans(context: Context) -> DataLoader[int, Loan | None]:
    return by_id(context, "loans", loan_views.by_id)


def claims(context: Context) -> DataLoader[int, Claim | None]:
    return by_id(context, "claims", claim_views.by_id)


def claim_ids_by_loan(context: Context) -> DataLoader[int, list[int]]:
    def make(c: Context) -> DataLoader[int, list[int]]:
        async def load(ids: Sequence[int]) -> list[list[int]]:
            found = await c.view(claim_views.ids_by_loan, ids)
            return [found.get(i, []) for i in ids]

        return DataLoader(load_fn=load)

    loader: DataLoader[int, list[int]] = context.loader("claims_by_loan", make)
    return loader
