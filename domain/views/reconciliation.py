"""Views of the reconciliation of the fund's bank accounts: registry, reports, proposals, runs.

Decision: institution users never see the pool's bank account
(``READ_RECONCILIATION`` excludes them); the other offices may read it.

The reconciliation is its own component (it imports neither the domain nor
the API); its store reads statements, lines and matches in the component's own
read transaction, so these views ask the permission table and then its service.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.model.parties import Actor
from riskpool.domain.permissions import Operation, authorize
from riskpool.reconciliation.records import (
    BankAccount,
    Document,
    RunRecord,
    SheetFormat,
    StoredMatch,
    StoredReport,
)
from riskpool.reconciliation.service import ReconciliationService


async def report(
    actor: Actor,
    conn: AsyncConnection,
    as_of: date,
    bank_account: str | None = None,
    *,
    service: ReconciliationService,
) -> StoredReport:
    """One account's reconciliation and 银行存款余额调节表 at the end of ``as_of``."""
    authorize(actor, Operation.READ_RECONCILIATION)
    return await service.report(as_of, bank_account)


async def reports(
    actor: Actor,
    conn: AsyncConnection,
    as_of: date,
    bank_account: str | None = None,
    *,
    service: ReconciliationService,
) -> list[StoredReport]:
    """The 银行存款余额调节表 of every registered account (or the one named)."""
    authorize(actor, Operation.READ_RECONCILIATION)
    return await service.reports(as_of, bank_account)


async def proposals(
    actor: Actor,
    conn: AsyncConnection,
    bank_account: str | None = None,
    *,
    service: ReconciliationService,
) -> list[StoredMatch]:
    """Proposals awaiting a person's decision, oldest first."""
    authorize(actor, Operation.READ_RECONCILIATION)
    return await service.proposals(bank_account)


async def bank_accounts(
    actor: Actor, conn: AsyncConnection, *, service: ReconciliationService
) -> list[BankAccount]:
    """The fund's registered bank accounts, in registration order."""
    authorize(actor, Operation.READ_RECONCILIATION)
    return await service.accounts()


async def runs(
    actor: Actor, conn: AsyncConnection, limit: int, *, service: ReconciliationService
) -> list[RunRecord]:
    """The latest matching runs, newest first (``limit`` clamped to 1–100)."""
    authorize(actor, Operation.READ_RECONCILIATION)
    return await service.runs(limit)


async def adjustment_documents(
    actor: Actor,
    conn: AsyncConnection,
    as_of: date,
    format: SheetFormat,
    reviewer: str,
    bank_account: str | None = None,
    *,
    service: ReconciliationService,
) -> list[Document]:
    """The 银行存款余额调节表 files of every registered account (or the one named),
    prepared by the reader (编制人: the token's subject) and reviewed by ``reviewer``."""
    authorize(actor, Operation.READ_RECONCILIATION)
    return await service.adjustment_documents(
        as_of, format, preparer=actor.subject, reviewer=reviewer, bank_account=bank_account
    )
