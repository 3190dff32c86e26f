"""Queries of the reconciliation area: the report, open proposals, runs (not for institutions)."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from riskpool.domain.views import reconciliation as reconciliation_views
from riskpool.graphql.core.context import Context
from riskpool.graphql.reconciliation.types import (
    BankAccountType,
    ReconciliationDocumentType,
    ReconciliationMatchType,
    ReconciliationReportType,
    ReconciliationRunType,
    SheetFormatEnum,  # noqa: F401  (registers the enum's GraphQL name)
)
from riskpool.reconciliation.records import SheetFormat


@strawberry.type
class ReconciliationQuery:
    @strawberry.field(
        description="The reconciliation of one bank account as of the end of a day, with "
        "its 银行存款余额调节表: the account named, or the only one registered. Not for "
        "institution users."
    )
    async def reconciliation_report(
        self, info: Info[Context, None], as_of: date, bank_account: str | None = None
    ) -> ReconciliationReportType:
        stored = await info.context.view(
            reconciliation_views.report,
            as_of,
            bank_account,
            service=info.context.app.reconciliation,
        )
        return ReconciliationReportType.of(stored)

    @strawberry.field(
        description="The reconciliation of every registered bank account (or the one named) "
        "as of the end of a day. Not for institution users."
    )
    async def reconciliation_reports(
        self, info: Info[Context, None], as_of: date, bank_account: str | None = None
    ) -> list[ReconciliationReportType]:
        found = await info.context.view(
            reconciliation_views.reports,
            as_of,
            bank_account,
            service=info.context.app.reconciliation,
        )
        return [ReconciliationReportType.of(stored) for stored in found]

    @strawberry.field(
        description="The 银行存款余额调节表 of every registered bank account (or the one "
        "named) as Excel or PDF files to download: prepared by the reader, reviewed by "
        "`reviewer` (another person), open items aged by days outstanding."
    )
    async def reconciliation_sheets(
        self,
        info: Info[Context, None],
        as_of: date,
        format: SheetFormat,  # registered as ReconciliationSheetFormat by SheetFormatEnum
        reviewer: str,
        bank_account: str | None = None,
    ) -> list[ReconciliationDocumentType]:
        found = await info.context.view(
            reconciliation_views.adjustment_documents,
            as_of,
            format,
            reviewer,
            bank_account,
            service=info.context.app.reconciliation,
        )
        return [ReconciliationDocumentType.of(d) for d in found]

    @strawberry.field(description="The fund's registered bank accounts. Not for institutions.")
    async def bank_accounts(self, info: Info[Context, None]) -> list[BankAccountType]:
        found = await info.context.view(
            reconciliation_views.bank_accounts, service=info.context.app.reconciliation
        )
        return [BankAccountType.of(a) for a in found]

    @strawberry.field(description="Proposals awaiting a person's confirmation or rejection.")
    async def reconciliation_proposals(
        self, info: Info[Context, None], bank_account: str | None = None
    ) -> list[ReconciliationMatchType]:
        found = await info.context.view(
            reconciliation_views.proposals,
            bank_account,
            service=info.context.app.reconciliation,
        )
        return [ReconciliationMatchType.of(m) for m in found]

    @strawberry.field(description="The latest matching runs, newest first.")
    async def reconciliation_runs(
        self, info: Info[Context, None], limit: int = 20
    ) -> list[ReconciliationRunType]:
        found = await info.context.view(
            reconciliation_views.runs, limit, service=info.context.app.reconciliation
        )
        return [ReconciliationRunType.of(r) for r in found]
