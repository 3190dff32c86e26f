"""Which rows an actor may read: the institution scope, as SQL predicates.

Decision (issue 15, tenant isolation): the pool's offices (operator, auditor,
bureaus, city government, viewer) read the whole pool; an institution user
reads only

* the loans it lends or guarantees,
* the claims it filed and the claims on those loans,
* the firms of those loans (it lends to them or guarantees a loan to them),
* itself — not the other institutions, not even a loan's counterparty (a
  shared loan's record carries the counterparty's id, as the contract does;
  its name and its other rows stay hidden).

Every view composes these predicates into its statement's ``WHERE``; none
filters after loading, so nothing invisible is ever read into memory and no
view can answer "exists but forbidden" where it should answer "not found".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.model.parties import Actor, Role
from riskpool.domain.persistence.tables import claims, firms, institutions, loans


@dataclass(frozen=True, slots=True)
class Scope:
    """What a reader may see: everything (``institution_id is None``) or one institution's rows."""

    institution_id: int | None = None

    @classmethod
    def of(cls, actor: Actor) -> Scope:
        if actor.role is Role.INSTITUTION:
            # A token of an institution role always names one (checked when it is
            # verified); were it missing, the scope must shrink to nothing, not widen.
            return cls(NO_ROW if actor.institution_id is None else actor.institution_id)
        return EVERYTHING

    @property
    def everything(self) -> bool:
        return self.institution_id is None

    def admits(self, institution_id: int | None) -> bool:
        """Whether a filter on ``institution_id`` stays inside the scope (``None``: no filter)."""
        return self.everything or institution_id is None or institution_id == self.institution_id


EVERYTHING = Scope()
NO_ROW = -1
"""An id no row has (ids are positive)."""


def loan_visible(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    return or_(
        loans.c.lender_id == scope.institution_id, loans.c.guarantor_id == scope.institution_id
    )


def claim_visible(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    visible_loans = select(loans.c.id).where(loan_visible(scope))
    return or_(claims.c.claimant_id == scope.institution_id, claims.c.loan_id.in_(visible_loans))


def firm_visible(scope: Scope, firm_id: ColumnElement[int] | None = None) -> ColumnElement[bool]:
    """``firm_id`` (default: ``firms.id``) is a firm of one of the scope's loans."""
    if scope.everything:
        return true()
    column = firms.c.id if firm_id is None else firm_id
    return column.in_(select(loans.c.firm_id).where(loan_visible(scope)))


def institution_visible(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    return institutions.c.id == scope.institution_id


def filter_admitted(scope: Scope, institution_id: int | None) -> ColumnElement[bool]:
    """``false()`` when an institution user filters on another institution's id.

    Why not just intersect the filter with the scope: a bank filtering on its
    guarantor's id would then see the loans they share, and so learn that the id
    exists, while an id that does not exist answers nothing. Another tenant's id
    must answer exactly as a missing one: nothing.
    """
    return true() if scope.admits(institution_id) else false()


async def visible_ids(
    conn: AsyncConnection,
    table: Table,
    visible: ColumnElement[bool],
    scope: Scope,
    ids: Sequence[int],
) -> list[int]:
    """The ids among ``ids`` that ``visible`` admits, for the batch loads of loaders.

    The pool's offices skip the statement: the repository's load answers absent
    ids with nothing already.
    """
    wanted = sorted(set(ids))
    if not wanted:
        return []
    if scope.everything:
        return wanted
    rows = await conn.execute(select(table.c.id).where(table.c.id.in_(wanted), visible))
    return [int(r.id) for r in rows]
