"""GraphQL types of the reconciliation: translations of riskpool.reconciliation's records."""

from __future__ import annotations

import base64
from datetime import date, datetime

import strawberry

from riskpool.graphql.core.scalars import MoneyType
from riskpool.reconciliation import model, records
from riskpool.reconciliation import report as pure
from riskpool.reconciliation.matching import LedgerItem

MatchStatusEnum = strawberry.enum(records.MatchStatus, name="ReconciliationMatchStatus")
StatementFormatEnum = strawberry.enum(model.StatementFormat, name="StatementFormat")
SheetFormatEnum = strawberry.enum(records.SheetFormat, name="ReconciliationSheetFormat")

READ_ROLES_NOTE = "Readable by every role but institution users."


@strawberry.type(name="BankStatementLine", description="One line of a bank statement.")
class BankStatementLineType:
    account: str
    booking_date: date
    value_date: date | None
    amount: MoneyType
    bank_reference: str | None
    end_to_end_id: str | None
    counterparty_name: str | None
    counterparty_account: str | None
    purpose: str
    is_reversal: bool
    source_line: int

    @classmethod
    def of(cls, line: model.StatementLine) -> BankStatementLineType:
        return cls(
            account=line.account,
            booking_date=line.booking_date,
            value_date=line.value_date,
            amount=MoneyType.of(line.amount),
            bank_reference=line.bank_reference,
            end_to_end_id=line.end_to_end_id,
            counterparty_name=line.counterparty_name,
            counterparty_account=line.counterparty_account,
            purpose=line.purpose,
            is_reversal=line.is_reversal,
            source_line=line.source_line,
        )


@strawberry.type(name="ReconciledPosting", description="A posting on the reconciled cash account.")
class ReconciledPostingType:
    entry_id: int
    posting_seq: int = strawberry.field(description="The posting's number on the account.")
    date: date
    amount: MoneyType
    reference: str | None
    description: str

    @classmethod
    def of(cls, item: LedgerItem) -> ReconciledPostingType:
        return cls(
            entry_id=item.entry_id,
            posting_seq=item.posting_seq,
            date=item.date,
            amount=MoneyType.of(item.amount),
            reference=item.reference,
            description=item.description,
        )


@strawberry.type(name="ScoreComponent", description="What one criterion added to a score.")
class ScoreComponentType:
    name: str
    points: int


@strawberry.type(
    name="ReconciliationMatch",
    description="Bank lines and ledger postings that explain each other, and why.",
)
class ReconciliationMatchType:
    id: int | None = strawberry.field(description="Null only in a dry run's result.")
    run_id: int | None
    run_by: str
    rule: str
    rule_version: int
    score: int
    components: list[ScoreComponentType]
    status: MatchStatusEnum  # type: ignore[valid-type]
    auto_confirmed: bool
    created_at: datetime
    lines: list[BankStatementLineType]
    postings: list[ReconciledPostingType]
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None

    @classmethod
    def of(cls, stored: records.StoredMatch) -> ReconciliationMatchType:
        decision = stored.decision
        return cls(
            id=stored.id,
            run_id=stored.run_id,
            run_by=stored.run_actor,
            rule=stored.rule,
            rule_version=stored.rule_version,
            score=stored.score,
            components=[ScoreComponentType(name=n, points=p) for n, p in stored.components],
            status=stored.status,
            auto_confirmed=stored.auto_confirmed,
            created_at=stored.created_at,
            lines=[BankStatementLineType.of(x) for x in stored.lines],
            postings=[ReconciledPostingType.of(x) for x in stored.items],
            decided_by=decision.actor if decision else None,
            decided_at=decision.decided_at if decision else None,
            reason=decision.reason if decision else None,
        )


@strawberry.type(name="ReconciliationRun", description="One run of the matching engine.")
class ReconciliationRunType:
    id: int | None = strawberry.field(description="Null for a dry run: nothing was stored.")
    book: str
    account: str
    bank_account: str
    actor: str
    started_at: datetime
    dry_run: bool
    lines_considered: int
    postings_considered: int
    matches: int
    auto_confirmed: int
    proposals: int
    skipped_rejected: int

    @classmethod
    def of(cls, run: records.RunRecord) -> ReconciliationRunType:
        return cls(
            id=run.id,
            book=run.book,
            account=run.account,
            bank_account=run.bank_account,
            actor=run.actor,
            started_at=run.started_at,
            dry_run=run.dry_run,
            lines_considered=run.lines_considered,
            postings_considered=run.postings_considered,
            matches=run.matches,
            auto_confirmed=run.auto_confirmed,
            proposals=run.proposals,
            skipped_rejected=run.skipped_rejected,
        )


@strawberry.type(
    name="BankAccount",
    description="One of the fund's registered bank accounts and the ledger account it mirrors.",
)
class BankAccountType:
    id: int
    bank: str
    number: str = strawberry.field(description="As the bank prints it on its statements.")
    currency: str
    book: str
    ledger_account: str
    opening_date: date
    registered_at: datetime
    registered_by: str

    @classmethod
    def of(cls, account: records.BankAccount) -> BankAccountType:
        if account.id is None or account.registered_at is None or account.registered_by is None:
            raise ValueError("only a registered bank account is shown")
        return cls(
            id=account.id,
            bank=account.bank,
            number=account.number,
            currency=account.currency,
            book=account.book,
            ledger_account=account.ledger_account,
            opening_date=account.opening_date,
            registered_at=account.registered_at,
            registered_by=account.registered_by,
        )


@strawberry.type(
    name="ReconciliationDocument",
    description="A 银行存款余额调节表 file (Excel or PDF), its bytes in base64.",
)
class ReconciliationDocumentType:
    filename: str
    content_type: str
    content_base64: str
    size_bytes: int

    @classmethod
    def of(cls, document: records.Document) -> ReconciliationDocumentType:
        return cls(
            filename=document.filename,
            content_type=document.content_type,
            content_base64=base64.b64encode(document.content).decode("ascii"),
            size_bytes=len(document.content),
        )


@strawberry.type(name="StatementImport", description="The outcome of importing one file.")
class StatementImportType:
    file_id: int
    filename: str
    sha256: str
    format: str
    already_imported: bool
    statements: int
    statements_stored: int
    lines_added: int
    lines_known: int

    @classmethod
    def of(cls, result: records.ImportResult) -> StatementImportType:
        return cls(
            file_id=result.file_id,
            filename=result.filename,
            sha256=result.sha256,
            format=result.format,
            already_imported=result.already_imported,
            statements=result.statements,
            statements_stored=result.statements_stored,
            lines_added=result.lines_added,
            lines_known=result.lines_known,
        )


@strawberry.type(
    name="AdjustmentTable",
    description="银行存款余额调节表: both balances brought to what each side would show "
    "had it booked everything the other has; they agree when `balanced`.",
)
class AdjustmentTableType:
    as_of: date
    book_balance: MoneyType
    bank_received_not_booked: MoneyType
    bank_paid_not_booked: MoneyType
    adjusted_book_balance: MoneyType
    bank_balance: MoneyType
    booked_received_not_at_bank: MoneyType
    booked_paid_not_at_bank: MoneyType
    adjusted_bank_balance: MoneyType
    difference: MoneyType
    balanced: bool

    @classmethod
    def of(cls, table: pure.AdjustmentTable) -> AdjustmentTableType:
        return cls(
            as_of=table.as_of,
            book_balance=MoneyType.of(table.book_balance),
            bank_received_not_booked=MoneyType.of(table.bank_received_not_booked),
            bank_paid_not_booked=MoneyType.of(table.bank_paid_not_booked),
            adjusted_book_balance=MoneyType.of(table.adjusted_book_balance),
            bank_balance=MoneyType.of(table.bank_balance),
            booked_received_not_at_bank=MoneyType.of(table.booked_received_not_at_bank),
            booked_paid_not_at_bank=MoneyType.of(table.booked_paid_not_at_bank),
            adjusted_bank_balance=MoneyType.of(table.adjusted_bank_balance),
            difference=MoneyType.of(table.difference),
            balanced=table.balanced,
        )


@strawberry.type(name="OutstandingBankLine", description="A bank line not in the books yet.")
class OutstandingBankLineType:
    line: BankStatementLineType
    age_days: int


@strawberry.type(name="OutstandingPosting", description="A posting not at the bank yet.")
class OutstandingPostingType:
    posting: ReconciledPostingType
    age_days: int


@strawberry.type(name="BankReversal", description="A 冲正 line and the line it reverses.")
class BankReversalType:
    reversal: BankStatementLineType
    original: BankStatementLineType | None
    cancelled: bool


@strawberry.type(name="BookReversal", description="A reversing posting and its original.")
class BookReversalType:
    reversal: ReconciledPostingType
    original: ReconciledPostingType | None
    cancelled: bool


@strawberry.type(name="ReconciliationReport", description="The reconciliation as of a date.")
class ReconciliationReportType:
    as_of: date
    book: str
    account: str
    bank_account: str
    table: AdjustmentTableType
    matched: list[ReconciliationMatchType]
    open_proposals: list[ReconciliationMatchType]
    unmatched_bank_lines: list[OutstandingBankLineType]
    unmatched_postings: list[OutstandingPostingType]
    bank_reversals: list[BankReversalType]
    book_reversals: list[BookReversalType]

    @classmethod
    def of(cls, stored: records.StoredReport) -> ReconciliationReportType:
        report = stored.report

        def line(x: model.StatementLine | None) -> BankStatementLineType | None:
            return BankStatementLineType.of(x) if x is not None else None

        def posting(x: LedgerItem | None) -> ReconciledPostingType | None:
            return ReconciledPostingType.of(x) if x is not None else None

        return cls(
            as_of=stored.as_of,
            book=stored.book,
            account=stored.account,
            bank_account=stored.bank_account,
            table=AdjustmentTableType.of(report.table),
            matched=[ReconciliationMatchType.of(m) for m in stored.matched],
            open_proposals=[ReconciliationMatchType.of(m) for m in stored.proposals],
            unmatched_bank_lines=[
                OutstandingBankLineType(line=BankStatementLineType.of(o.line), age_days=o.age_days)
                for o in report.unmatched_lines
            ],
            unmatched_postings=[
                OutstandingPostingType(
                    posting=ReconciledPostingType.of(o.item), age_days=o.age_days
                )
                for o in report.unmatched_items
            ],
            bank_reversals=[
                BankReversalType(
                    reversal=BankStatementLineType.of(r.reversal),
                    original=line(r.original),
                    cancelled=r.cancelled,
                )
                for r in report.bank_reversals
            ],
            book_reversals=[
                BookReversalType(
                    reversal=ReconciledPostingType.of(r.reversal),
                    original=posting(r.original),
                    cancelled=r.cancelled,
                )
                for r in report.book_reversals
            ],
        )
