"""What several handlers share: institution scope, posting plans."""

from __future__ import annotations

from riskpool.domain.handlers.ports import UnitOfWork
from riskpool.domain.model.flows import MovementPlan
from riskpool.domain.model.parties import Actor, Role
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.model import EntrySpec, JournalEntry, PostingSpec


def not_found(what: str, ident: object) -> RiskpoolError:
    """The refusal of a row that does not exist, word for word as the repositories say it.

    Why here too: a row another tenant owns must be refused with *exactly* this
    (code, message and field), so that an institution cannot tell "exists but not
    yours" from "does not exist" (issue 15: the existence and state oracle).
    ``tests/api/test_mutation_matrix.py`` compares the two answers for every mutation.
    """
    return RiskpoolError(ErrorCode.NOT_FOUND, f"no {what} #{ident}", field="id")


def require_institution(actor: Actor, *institution_ids: int | None) -> None:
    """An institution actor may act only where it is one of ``institution_ids``.

    The other half of access beside :func:`riskpool.domain.permissions.authorize`:
    the table says whether a role may attempt an operation, this says whether an
    institution may attempt it on *these* rows. Use it only on rows the actor can
    read (its ``FORBIDDEN`` says "yours to see, not yours to do"); for a row it
    may not read at all, use :func:`hide_unless_party`.
    """
    if actor.role is Role.INSTITUTION and actor.institution_id not in institution_ids:
        raise RiskpoolError(ErrorCode.FORBIDDEN, "this belongs to another institution")


def is_party(actor: Actor, *institution_ids: int | None) -> bool:
    """Whether ``actor`` may read a row whose parties are ``institution_ids``
    (the pool's offices read every row)."""
    return actor.role is not Role.INSTITUTION or (
        actor.institution_id is not None and actor.institution_id in institution_ids
    )


def hide_unless_party(actor: Actor, what: str, ident: object, *institution_ids: int | None) -> None:
    """Refuse an institution a row it is no party to *as if the row did not exist*.

    Called right after the row is loaded and before any check of its state, so
    neither the row's existence nor its state (PAID, in the pool, …) leaks; the
    same rule as the read scope (:mod:`riskpool.domain.views.scope`).
    """
    if not is_party(actor, *institution_ids):
        raise not_found(what, ident)


def entry_spec(plan: MovementPlan, actor: Actor) -> EntrySpec:
    return EntrySpec(
        book=plan.book.value,
        effective_date=plan.effective_date,
        description=plan.description,
        postings=tuple(PostingSpec(leg.account, leg.amount) for leg in plan.legs),
        idempotency_key=plan.key,
        actor=f"{actor.role.value.lower()}:{actor.subject}",
        metadata=dict(plan.metadata),
    )


async def post_plans(uow: UnitOfWork, actor: Actor, *plans: MovementPlan) -> list[JournalEntry]:
    """Post movement plans as ledger entries inside the use case's transaction."""
    return list(await uow.ledger.post_many([entry_spec(plan, actor) for plan in plans]))
