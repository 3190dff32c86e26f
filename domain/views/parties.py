"""Views of the parties: institutions and firms, pages and batch loads.

An institution user reads itself and the firms it lends to or guarantees a
loan to (:mod:`.scope`); every other office reads them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.model.parties import Actor, Firm, Institution, InstitutionKind
from riskpool.domain.permissions import Operation, authorize
from riskpool.domain.persistence.repositories import FirmRepository, InstitutionRepository
from riskpool.domain.persistence.tables import firms, institutions
from riskpool.domain.views.scope import Scope, firm_visible, institution_visible, visible_ids
from riskpool.paging import Page, PageRequest, paginate


async def institutions_page(
    actor: Actor, conn: AsyncConnection, kind: InstitutionKind | None, request: PageRequest
) -> Page[int]:
    """Ids of the institutions the actor may read, keyset-paged by id."""
    authorize(actor, Operation.READ_PARTIES)
    query: Select[Any] = select(institutions.c.id).where(institution_visible(Scope.of(actor)))
    if kind is not None:
        query = query.where(institutions.c.kind == kind.value)
    return await paginate(
        conn, query, [institutions.c.id], request, lambda r: int(r.id), key_of=lambda r: [r.id]
    )


async def firms_page(
    actor: Actor, conn: AsyncConnection, sector: str | None, request: PageRequest
) -> Page[int]:
    """Ids of the firms the actor may read, keyset-paged by id."""
    authorize(actor, Operation.READ_PARTIES)
    query: Select[Any] = select(firms.c.id).where(firm_visible(Scope.of(actor)))
    if sector is not None:
        query = query.where(firms.c.sector == sector)
    return await paginate(
        conn, query, [firms.c.id], request, lambda r: int(r.id), key_of=lambda r: [r.id]
    )


async def institutions_by_id(
    actor: Actor, conn: AsyncConnection, ids: Sequence[int]
) -> dict[int, Institution]:
    """The readable institutions among ``ids`` (the others are simply absent)."""
    authorize(actor, Operation.READ_PARTIES)
    scope = Scope.of(actor)
    found = await visible_ids(conn, institutions, institution_visible(scope), scope, ids)
    return await InstitutionRepository(conn).get_many(found)


async def firms_by_id(actor: Actor, conn: AsyncConnection, ids: Sequence[int]) -> dict[int, Firm]:
    """The readable firms among ``ids`` (the others are simply absent)."""
    authorize(actor, Operation.READ_PARTIES)
    scope = Scope.of(actor)
    found = await visible_ids(conn, firms, firm_visible(scope), scope, ids)
    return await FirmRepository(conn).get_many(found)
