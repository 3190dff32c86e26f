"""Corrections by reversal, with four eyes, posted in the open period.

Why: a wrong entry is never edited (the ledger is append-only); it is
reversed by an entry that links it. Reversing moves money back, so one person
requests it with a reason and a different person approves it; only the
approval posts the reversal, dated today's business date — always in the
open period (the current month cannot be closed), however old the original,
so a reversal of an entry in a closed month is the adjusting entry that
references it (``reverses_entry_id``) rather than a change to the closed month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.checks import business_date
from riskpool.ledger.model import JournalEntry
from riskpool.ledger.schema import reversal_requests
from riskpool.ledger.store import LedgerStore

MAX_REASON = 2_000


@dataclass(frozen=True, slots=True)
class ReversalRequest:
    id: int
    entry_id: int
    reason: str
    requested_by: str
    requested_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    reversal_entry_id: int | None


class LedgerCorrections:
    """Reversal requests on one connection (no transaction control)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.store = LedgerStore(conn)

    async def request(
        self, entry_id: int, reason: str, actor: str, now: datetime
    ) -> ReversalRequest:
        """First pair of eyes: ask for entry ``entry_id`` to be reversed."""
        if not reason.strip() or len(reason) > MAX_REASON or "\x00" in reason:
            raise RiskpoolError(
                ErrorCode.VALIDATION, f"a reason is 1–{MAX_REASON} characters", field="reason"
            )
        if not actor or len(actor) > 200 or "\x00" in actor:
            raise RiskpoolError(ErrorCode.VALIDATION, "an actor is 1–200 characters", field="actor")
        await self.store.entry(entry_id)  # UNKNOWN_ENTRY if there is none
        reversal = await self.store.reversal_of(entry_id)
        if reversal is not None:
            raise RiskpoolError(
                ErrorCode.ALREADY_REVERSED,
                f"entry #{entry_id} was already reversed by #{reversal}",
                field="entry",
            )
        if await self._by_entry(entry_id) is not None:
            raise RiskpoolError(
                ErrorCode.DUPLICATE, f"a reversal of entry #{entry_id} is requested", field="entry"
            )
        result = await self.conn.execute(
            reversal_requests.insert()
            .values(entry_id=entry_id, reason=reason, requested_by=actor, requested_at=now)
            .returning(reversal_requests.c.id)
        )
        return ReversalRequest(result.scalar_one(), entry_id, reason, actor, now, None, None, None)

    async def approve(self, request_id: int, actor: str, now: datetime) -> JournalEntry:
        """Second pair of eyes (never the requester's, ``FORBIDDEN``): post the
        reversal, dated today's business date, and link it to the request."""
        row = (
            await self.conn.execute(
                select(reversal_requests).where(reversal_requests.c.id == request_id)
            )
        ).first()
        if row is None:
            raise RiskpoolError(
                ErrorCode.NOT_FOUND, f"no reversal request #{request_id}", field="request"
            )
        if row.approved_by is not None:
            raise RiskpoolError(
                ErrorCode.INVALID_TRANSITION,
                f"reversal request #{request_id} was approved by {row.approved_by}",
                field="request",
            )
        if row.requested_by == actor:
            raise RiskpoolError(
                ErrorCode.FORBIDDEN,
                f"four eyes: {actor} requested reversal #{request_id}; another person approves it",
                field="actor",
            )
        entry = await self.store.reverse(
            row.entry_id,
            reason=row.reason,
            idempotency_key=f"reversal-request:{request_id}",
            actor=actor,
            effective_date=business_date(now),
        )
        await self.conn.execute(
            reversal_requests.update()
            .where(reversal_requests.c.id == request_id)
            .values(approved_by=actor, approved_at=now, reversal_entry_id=entry.id)
        )
        return entry

    async def _by_entry(self, entry_id: int) -> Any:
        return (
            await self.conn.execute(
                select(reversal_requests.c.id).where(reversal_requests.c.entry_id == entry_id)
            )
        ).first()
