"""Mutations of the reconciliation area: upload a statement, run, confirm, reject.

Why base64 in a string argument: GraphQL has no file type, and statement files
are small (the size limit is checked on the encoded length *before* decoding,
so an oversized upload is refused without being decoded).
"""

from __future__ import annotations

import base64
import binascii
from datetime import date

import strawberry
from strawberry.types import Info

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.errors import UserError
from riskpool.graphql.core.mutations import attempt
from riskpool.graphql.core.scalars import MoneyInput
from riskpool.graphql.reconciliation.access import reconciler
from riskpool.graphql.reconciliation.types import (
    BankAccountType,
    ReconciliationMatchType,
    ReconciliationRunType,
    StatementFormatEnum,
    StatementImportType,
)
from riskpool.reconciliation.model import StatementFormat
from riskpool.reconciliation.records import BankAccount, ImportResult, RunResult, StoredMatch


@strawberry.type
class ImportStatementPayload:
    statement_import: StatementImportType | None
    user_errors: list[UserError]


@strawberry.type
class RunReconciliationPayload:
    run: ReconciliationRunType | None = strawberry.field(
        description="The run, when one account was run (named, or the only one registered)."
    )
    runs: list[ReconciliationRunType] = strawberry.field(description="One run per account.")
    matches: list[ReconciliationMatchType]
    user_errors: list[UserError]


@strawberry.type
class RegisterBankAccountPayload:
    bank_account: BankAccountType | None
    user_errors: list[UserError]


@strawberry.type
class MatchDecisionPayload:
    match: ReconciliationMatchType | None
    user_errors: list[UserError]


def decode_upload(content: str, max_bytes: int) -> bytes:
    """The file's bytes from base64, refusing above ``max_bytes`` before decoding."""
    if len(content) > 4 * ((max_bytes + 2) // 3) + 4:
        raise RiskpoolError(
            ErrorCode.FILE_TOO_LARGE, f"the file exceeds {max_bytes} bytes", field="content"
        )
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise RiskpoolError(
            ErrorCode.STATEMENT_INVALID, "content is not base64", field="content"
        ) from None
    if not data:
        raise RiskpoolError(ErrorCode.STATEMENT_EMPTY, "the file is empty", field="content")
    return data


@strawberry.type
class ReconciliationMutation:
    @strawberry.mutation(
        description="Operator: import a bank statement file (base64). It is proved before "
        "anything is stored; the same file or overlapping lines are stored once."
    )
    async def import_statement(
        self,
        info: Info[Context, None],
        content: str,
        filename: str,
        format: StatementFormatEnum | None = None,  # type: ignore[valid-type]
        layout: str | None = None,
        account: str | None = None,
        opening_balance: MoneyInput | None = None,
    ) -> ImportStatementPayload:
        service = info.context.app.reconciliation

        async def work() -> ImportResult:
            actor = reconciler(info.context)
            data = decode_upload(content, service.max_bytes)
            kind = StatementFormat(format.value) if format is not None else None
            return await service.import_file(
                actor,
                data,
                filename=filename[:255] or "upload",
                format=kind,
                mapping=layout,
                account=account,
                opening_balance=opening_balance.to_money() if opening_balance else None,
            )

        result, errors = await attempt(lambda: info.context.app.guarded(work))
        return ImportStatementPayload(
            statement_import=StatementImportType.of(result) if result else None,
            user_errors=errors,
        )

    @strawberry.mutation(
        description="Operator: match open bank lines with open postings. Exact matches are "
        "confirmed at once; the rest are proposals. A dry run stores nothing."
    )
    async def run_reconciliation(
        self, info: Info[Context, None], dry_run: bool = False, bank_account: str | None = None
    ) -> RunReconciliationPayload:
        service = info.context.app.reconciliation

        async def work() -> tuple[RunResult, ...]:
            return await service.run(
                reconciler(info.context), dry_run=dry_run, bank_account=bank_account
            )

        results, errors = await attempt(lambda: info.context.app.guarded(work))
        found = results or ()
        return RunReconciliationPayload(
            run=ReconciliationRunType.of(found[0].run) if len(found) == 1 else None,
            runs=[ReconciliationRunType.of(r.run) for r in found],
            matches=[ReconciliationMatchType.of(m) for r in found for m in r.matches],
            user_errors=errors,
        )

    @strawberry.mutation(
        description="Operator: register one of the fund's bank accounts and the ledger cash "
        "account it mirrors; statements of unregistered accounts are refused."
    )
    async def register_bank_account(
        self,
        info: Info[Context, None],
        bank: str,
        number: str,
        currency: str,
        book: str,
        ledger_account: str,
        opening_date: date,
    ) -> RegisterBankAccountPayload:
        service = info.context.app.reconciliation

        async def work() -> BankAccount:
            return await service.register_account(
                reconciler(info.context),
                BankAccount(None, bank, number, currency, book, ledger_account, opening_date),
            )

        result, errors = await attempt(lambda: info.context.app.guarded(work))
        return RegisterBankAccountPayload(
            bank_account=BankAccountType.of(result) if result else None, user_errors=errors
        )

    @strawberry.mutation(
        description="Operator: confirm a proposal — not the operator who ran the matching "
        "(four eyes: FORBIDDEN)."
    )
    async def confirm_match(
        self, info: Info[Context, None], match_id: int, reason: str = ""
    ) -> MatchDecisionPayload:
        service = info.context.app.reconciliation

        async def work() -> StoredMatch:
            return await service.confirm(reconciler(info.context), match_id, reason)

        result, errors = await attempt(lambda: info.context.app.guarded(work))
        return MatchDecisionPayload(
            match=ReconciliationMatchType.of(result) if result else None, user_errors=errors
        )

    @strawberry.mutation(
        description="Operator: reject a proposal; its lines and postings are free again."
    )
    async def reject_match(
        self, info: Info[Context, None], match_id: int, reason: str
    ) -> MatchDecisionPayload:
        service = info.context.app.reconciliation

        async def work() -> StoredMatch:
            return await service.reject(reconciler(info.context), match_id, reason)

        result, errors = await attempt(lambda: info.context.app.guarded(work))
        return MatchDecisionPayload(
            match=ReconciliationMatchType.of(result) if result else None, user_errors=errors
        )
