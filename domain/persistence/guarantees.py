"""The record of guarantors' acceptances (append-only: the database refuses changes)."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.model.guarantee import GuaranteeAcceptance
from riskpool.domain.persistence.tables import guarantee_acceptances


class GuaranteeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.written: set[str] = set()

    async def accepted(self, loan_id: int) -> bool:
        found = await self.conn.execute(
            select(guarantee_acceptances.c.id).where(guarantee_acceptances.c.loan_id == loan_id)
        )
        return found.first() is not None

    async def add(self, acceptance: GuaranteeAcceptance) -> None:
        await self.conn.execute(
            insert(guarantee_acceptances).values(
                loan_id=acceptance.loan_id,
                guarantor_id=acceptance.guarantor_id,
                actor_subject=acceptance.actor_subject,
                accepted_at=acceptance.accepted_at,
            )
        )
        self.written.add(guarantee_acceptances.name)
