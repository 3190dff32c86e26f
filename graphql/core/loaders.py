"""Data loaders for the domain's relations, one per request, scoped to the principal.

Every relation goes through one of these, so a page of N loans with their
lenders, firms and claims costs a fixed number of statements, not N of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from riskpool.domain.claim import Claim
from riskpool.domain.loan import Loan
from riskpool.domain.parties import Firm, Institution
from riskpool.domain.persistence.queries import ReadModel
from riskpool.graphql.core.context import Context

K = TypeVar("K")
V = TypeVar("V")


def _by_id(
    context: Context, fetch: Callable[[ReadModel, Sequence[int]], Awaitable[dict[int, Any]]]
) -> DataLoader[int, Any]:
    async def load(ids: Sequence[int]) -> list[Any]:
        found = await context.read(lambda model: fetch(model, ids))
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def institutions(context: Context) -> DataLoader[int, Institution | None]:
    loader: DataLoader[int, Institution | None] = context.loader(
        "institutions", lambda c: _by_id(c, lambda m, ids: m.institutions(ids))
    )
    return loader


def firms(context: Context) -> DataLoader[int, Firm | None]:
    loader: DataLoader[int, Firm | None] = context.loader(
        "firms", lambda c: _by_id(c, lambda m, ids: m.firms(ids))
    )
    return loader


def loans(context: Context) -> DataLoader[int, Loan | None]:
    loader: DataLoader[int, Loan | None] = context.loader(
        "loans", lambda c: _by_id(c, lambda m, ids: m.loans(ids))
    )
    return loader


def claims(context: Context) -> DataLoader[int, Claim | None]:
    loader: DataLoader[int, Claim | None] = context.loader(
        "claims", lambda c: _by_id(c, lambda m, ids: m.claims(ids))
    )
    return loader


def claim_ids_by_loan(context: Context) -> DataLoader[int, list[int]]:
    def make(c: Context) -> DataLoader[int, list[int]]:
        async def load(ids: Sequence[int]) -> list[list[int]]:
            found = await c.read(lambda model: model.claim_ids_by_loan(ids))
            return [found.get(i, []) for i in ids]

        return DataLoader(load_fn=load)

    loader: DataLoader[int, list[int]] = context.loader("claims_by_loan", make)
    return loader
