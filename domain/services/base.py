"""What every use case shares: the unit of work, role checks, posting plans, replays."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar

from moneyed import Money
from sqlalchemy.exc import IntegrityError

from riskpool.db import Database
from riskpool.domain.chart import BookCode
from riskpool.domain.flows import MovementPlan
from riskpool.domain.parties import Actor, Role
from riskpool.domain.persistence.uow import UnitOfWork
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.model import EntrySpec, JournalEntry, PostingSpec

T = TypeVar("T")

FUSION_DATE = date(2025, 2, 6)
"""郑政办〔2025〕9号: from this date the city pool, not the 郑科贷 reserve, pays claims."""


def fund_book_on(day: date) -> BookCode:
    """The fund that bears compensation on ``day``: the reserve before the fusion, then the pool."""
    return BookCode.ZKD_RESERVE if day < FUSION_DATE else BookCode.CITY_POOL


def require_role(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        allowed = ", ".join(sorted(r.value.lower() for r in roles))
        raise RiskpoolError(
            ErrorCode.FORBIDDEN,
            f"role {actor.role.value.lower()} may not do this (allowed: {allowed})",
        )


def require_institution(actor: Actor, *institution_ids: int | None) -> None:
    """An institution actor may act only where it is one of ``institution_ids``."""
    if actor.role is Role.INSTITUTION and actor.institution_id not in institution_ids:
        raise RiskpoolError(ErrorCode.FORBIDDEN, "this belongs to another institution")


def jsonable(value: Any) -> Any:
    """Payload values for idempotency hashing: Money and dates as strings."""
    if isinstance(value, Money):
        return f"{value.amount} {value.currency.code}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


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


class Service:
    """Base of the use-case classes: a database and a unit-of-work factory."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db)

    async def once(
        self,
        key: str,
        operation: str,
        payload: dict[str, Any],
        work: Callable[[UnitOfWork], Awaitable[dict[str, Any]]],
    ) -> dict[str, Any]:
        """Run ``work`` once per idempotency key; replays return the stored result.

        Two concurrent first uses of one key both miss the record; the loser's
        insert then violates its primary key, and the retry finds the winner's
        record (same payload: its result; another payload: a conflict).
        """
        for attempt in range(2):
            try:
                async with self.uow() as uow:
                    stored = await uow.idempotency.replay(key, operation, payload)
                    if stored is not None:
                        assert isinstance(stored, dict)
                        return stored
                    result = await work(uow)
                    await uow.idempotency.remember(key, operation, payload, result)
                    return result
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover
