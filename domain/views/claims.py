"""Views of claims: the filtered keyset page, the batch load, and claims by loan.

An institution user reads the claims it filed and the claims on the loans it
lends or guarantees; a filter on another institution's id answers nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.model.claim import Claim, ClaimState
from riskpool.domain.model.parties import Actor
from riskpool.domain.permissions import Operation, authorize
from riskpool.domain.persistence.repositories import ClaimRepository
from riskpool.domain.persistence.tables import claims
from riskpool.domain.views.scope import Scope, claim_visible, filter_admitted, visible_ids
from riskpool.paging import Page, PageRequest, paginate


@dataclass(frozen=True, slots=True)
class ClaimFilter:
    state: ClaimState | None = None
    institution_id: int | None = None
    """The claimant."""
    loan_id: int | None = None


async def page(
    actor: Actor, conn: AsyncConnection, where: ClaimFilter, request: PageRequest
) -> Page[int]:
    """Ids of the readable claims matching ``where``, keyset-paged by id."""
    authorize(actor, Operation.READ_CLAIMS)
    scope = Scope.of(actor)
    query: Select[Any] = select(claims.c.id).where(
        claim_visible(scope), filter_admitted(scope, where.institution_id)
    )
    if where.state is not None:
        query = query.where(claims.c.state == where.state.value)
    if where.institution_id is not None:
        query = query.where(claims.c.claimant_id == where.institution_id)
    if where.loan_id is not None:
        query = query.where(claims.c.loan_id == where.loan_id)
    return await paginate(
        conn, query, [claims.c.id], request, lambda r: int(r.id), key_of=lambda r: [r.id]
    )


async def by_id(actor: Actor, conn: AsyncConnection, ids: Sequence[int]) -> dict[int, Claim]:
    """The readable claims among ``ids`` (the others are simply absent)."""
    authorize(actor, Operation.READ_CLAIMS)
    scope = Scope.of(actor)
    found = await visible_ids(conn, claims, claim_visible(scope), scope, ids)
    return await ClaimRepository(conn).get_many(found)


async def ids_by_loan(
    actor: Actor, conn: AsyncConnection, loan_ids: Sequence[int]
) -> dict[int, list[int]]:
    """The readable claims' ids of each of ``loan_ids``, oldest first."""
    authorize(actor, Operation.READ_CLAIMS)
    wanted = sorted(set(loan_ids))
    if not wanted:
        return {}
    rows = await conn.execute(
        select(claims.c.loan_id, claims.c.id)
        .where(claims.c.loan_id.in_(wanted), claim_visible(Scope.of(actor)))
        .order_by(claims.c.loan_id, claims.c.id)
    )
    grouped: dict[int, list[int]] = defaultdict(list)
    for loan_id, claim_id in rows:
        grouped[int(loan_id)].append(int(claim_id))
    return dict(grouped)
