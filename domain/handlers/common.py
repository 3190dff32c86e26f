"""What several handlers share: institution scope, posting plans."""

from __future__ import annotations

from riskpool.domain.handlers.ports import UnitOfWork
from riskpool.domain.model.flows import MovementPlan
from riskpool.domain.model.parties import Actor, Role
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.model import EntrySpec, JournalEntry, PostingSpec


def require_institution(actor: Actor, *institution_ids: int | None) -> None:
    """An institution actor may act only where it is one of ``institution_ids``.

    The other half of access beside :func:`riskpool.domain.permissions.authorize`:
    the table says whether a role may attempt an operation, this says whether an
    institution may attempt it on *these* rows.
    """
    if actor.role is Role.INSTITUTION and actor.institution_id not in institution_ids:
        raise RiskpoolError(ErrorCode.FORBIDDEN, "this belongs to another institution")


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
