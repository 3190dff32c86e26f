"""The reconciliation's use cases: import, run, confirm, reject, report.

Each use case is one database transaction, so it is stored whole or not at
all. Who may call which is decided by the entry points (GraphQL checks the
role, the CLI runs as finance staff on the server); the use cases take the
acting person as a plain subject string, because reconciliation knows no
domain roles (it imports the ledger only). The one rule about *people* that
belongs here is the four-eyes rule: the person who confirms a proposal is not
the person who ran the matching that made it (``FORBIDDEN``).

**Import** (idempotent). A file is parsed and proved before anything is
stored. The very same bytes again add nothing (its SHA-256 is known). A
statement that overlaps what is stored — the bank's export for 15 March–15
April after the one for March — has its already stored lines cut off the
front (they must be a prefix of it: a known line after a new one means the
earlier statement missed a line, and the file is refused), its opening moved
past them, and the rest is proved to continue the account's latest stored
statement. A statement with nothing new that ends within the stored period
is skipped. Any parse error or broken proof refuses the whole file.

**Accounts.** The fund's bank accounts are registered (bank, number,
currency, the ledger cash account each mirrors, opening date). A statement of
an account not registered, in another currency than the registered one, or
opening before the account was opened is refused (``STATEMENT_ACCOUNT_UNKNOWN``)
and nothing of its file is stored: a statement once stored stays (append-only),
so what the fund does not hold must never get in. Run, proposals and report
work per registered account — every account unless one is named.

**Run.** The engine (:func:`~riskpool.reconciliation.matching.match`) sees the
open lines and postings — those in no live match — and every match it finds
is stored with its rule, version, score and components; exact (reference)
matches are confirmed at once, the rest wait for a person. A match a person
rejected before is not proposed again. A dry run computes the same and
writes nothing at all (not even a run record).

**Report.** :func:`~riskpool.reconciliation.report.build_report` over the
stored lines, the ledger's postings, the live matches and the confirmed ones,
with the ledger balance and the bank balance of the day.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import structlog
from moneyed import Money
from sqlalchemy.exc import DBAPIError

from riskpool.db import Database
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.reconciliation.errors import Break, StatementError
from riskpool.reconciliation.integrity import ClosingPoint, prove_file
from riskpool.reconciliation.matching import Match, MatchConfig, match
from riskpool.reconciliation.model import Statement, StatementFile, StatementFormat
from riskpool.reconciliation.parsers import DEFAULT_MAX_BYTES, ColumnMapping, parse_bytes
from riskpool.reconciliation.parsers.detect import read_source
from riskpool.reconciliation.records import (
    BankAccount,
    Document,
    ImportResult,
    MatchStatus,
    RunRecord,
    RunResult,
    SheetFormat,
    StoredMatch,
    StoredReport,
)
from riskpool.reconciliation.report import bank_balance_on, build_report
from riskpool.reconciliation.sheet import build_sheet
from riskpool.reconciliation.sheet_files import render_document
from riskpool.reconciliation.store import (
    ReconciliationStore,
    is_unique_violation,
    now,
)

log = structlog.get_logger("riskpool.reconciliation")

Progress = Callable[[int, int], None]
"""Called with (lines stored so far, lines to store) while an import writes."""

MAX_REASON = 2_000


@dataclass(frozen=True, slots=True)
class _Plan:
    """A statement as it will be stored: cut to its new lines, and the bank's own."""

    stored: Statement
    stated: Statement
    lines_known: int


def _plan(
    file: StatementFile,
    known: dict[str, set[str]],
    ends: dict[str, ClosingPoint],
) -> tuple[list[_Plan], int]:
    """Cut each statement's already stored prefix; drop statements with nothing new."""
    plans: list[_Plan] = []
    skipped_lines = 0
    seen = {account: set(keys) for account, keys in known.items()}
    ends = dict(ends)
    later = Counter(statement.account for statement in file.statements)
    for statement in file.statements:
        keys = seen.setdefault(statement.account, set())
        later[statement.account] -= 1
        count = len(statement.lines)
        prefix = 0
        late: int | None = None
        if keys:
            while prefix < count and statement.lines[prefix].dedup_key in keys:
                prefix += 1
            late = next(
                (i for i in range(prefix, count) if statement.lines[i].dedup_key in keys), None
            )
        if late is not None:
            line = statement.lines[late]
            raise StatementError(
                ErrorCode.STATEMENT_DISCONTINUOUS,
                f"{statement.statement_id}: line {line.source_line} is already stored, but "
                "an earlier line of this statement is not (the stored statements miss it)",
                line=line.source_line,
                breaks=(
                    Break(
                        "overlap",
                        line.source_line,
                        "already stored lines first",
                        "a new line before a stored one",
                        f"{statement.statement_id}: overlap is not a prefix",
                    ),
                ),
            )
        end = ends.get(statement.account)
        if prefix == count and end is not None and statement.closing_date <= end.date:
            skipped_lines += prefix  # nothing new: already held
            continue
        stored = statement
        if prefix:
            known_lines = statement.lines[:prefix]
            opening_date = max(statement.opening_date, known_lines[-1].booking_date)
            if end is not None:
                opening_date = max(opening_date, end.date)
            stored = replace(
                statement,
                opening_minor=statement.opening_minor + sum(x.amount_minor for x in known_lines),
                opening_date=min(opening_date, statement.closing_date),
                lines=statement.lines[prefix:],
            )
        if later[statement.account]:  # only a later statement of the account can repeat them
            keys.update(line.dedup_key for line in stored.lines)
        ends[statement.account] = ClosingPoint(statement.closing, statement.closing_date)
        plans.append(_Plan(stored, statement, prefix))
        skipped_lines += prefix
    return plans, skipped_lines


class ReconciliationService:
    """The use cases over one database and the fund's registered bank accounts."""

    def __init__(
        self,
        db: Database,
        *,
        match_config: MatchConfig | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.db = db
        self.match_config = match_config or MatchConfig()
        self.max_bytes = max_bytes

    # -- the registry of bank accounts ---------------------------------------------------

    async def register_account(self, actor: str, account: BankAccount) -> BankAccount:
        """Register one of the fund's bank accounts and the ledger cash account it mirrors.

        Refused (``VALIDATION``) when a field is blank or too long, or the
        currency is not the ledger account's; ``UNKNOWN_ACCOUNT`` when the ledger
        account does not exist; ``DUPLICATE`` when the number or the ledger
        account is registered already (each mirrors exactly one other).
        """
        _require_actor(actor)
        account = _valid_account(account)
        async with self.db.transaction(write=True) as conn:
            store = ReconciliationStore(conn)
            await store.lock()
            cash = await store.cash_account(account.book, account.ledger_account)
            if cash.currency != account.currency:
                raise RiskpoolError(
                    ErrorCode.VALIDATION,
                    f"{account.book}:{account.ledger_account} is kept in {cash.currency}, "
                    f"not {account.currency}: a bank account mirrors a ledger account of "
                    "its own currency",
                    field="currency",
                )
            for held in await store.bank_accounts():
                if held.number == account.number:
                    raise RiskpoolError(
                        ErrorCode.DUPLICATE,
                        f"bank account {account.number} is registered already",
                        field="number",
                    )
                if (held.book, held.ledger_account) == (account.book, account.ledger_account):
                    raise RiskpoolError(
                        ErrorCode.DUPLICATE,
                        f"{account.book}:{account.ledger_account} already mirrors bank "
                        f"account {held.number}",
                        field="ledgerAccount",
                    )
            try:
                stored = await store.add_bank_account(account, actor)
            except DBAPIError as exc:  # registered meanwhile by someone else
                if is_unique_violation(exc):
                    raise RiskpoolError(
                        ErrorCode.DUPLICATE,
                        f"bank account {account.number} is registered already",
                        field="number",
                    ) from None
                raise
        log.info("reconciliation.account_registered", number=account.number, actor=actor)
        return stored

    async def accounts(self) -> list[BankAccount]:
        """The registered bank accounts, in the order they were registered."""
        async with self.db.transaction(write=False) as conn:
            return await ReconciliationStore(conn).bank_accounts()

    async def _accounts(
        self, store: ReconciliationStore, number: str | None, *, some: bool = True
    ) -> list[BankAccount]:
        """The named registered account, or all of them. ``NOT_FOUND`` when the named one
        is not registered, or — for ``some`` (a run, a single report) — none is: a list
        of every account's reports or proposals is simply empty then."""
        found = await store.bank_accounts(number)
        if not found and (some or number is not None):
            raise RiskpoolError(
                ErrorCode.NOT_FOUND,
                f"bank account {number} is not registered"
                if number is not None
                else "no bank account is registered: register the fund's accounts first",
                field="bankAccount" if number is not None else None,
            )
        return found

    # -- import -------------------------------------------------------------------------

    async def import_file(
        self,
        actor: str,
        source: bytes | str | os.PathLike[str] | BinaryIO,
        *,
        filename: str | None = None,
        format: StatementFormat | None = None,
        mapping: ColumnMapping | str | None = None,
        account: str | None = None,
        opening_balance: Money | None = None,
        encoding: str | None = None,
        progress: Progress | None = None,
    ) -> ImportResult:
        """Parse, prove and store one statement file (idempotent; all or nothing).

        The file's SHA-256 is looked up before it is parsed: the very same bytes
        again cost a hash, not a parse. Parsing and the proof run in a worker
        thread (:func:`asyncio.to_thread`), so the server keeps answering other
        requests while a large file is read; only the writes run on the event
        loop, in chunks. Every refusal names the file.
        """
        _require_actor(actor)
        name = filename or (
            Path(source).name if isinstance(source, str | os.PathLike) else "upload"
        )
        try:
            src = await asyncio.to_thread(read_source, source, max_bytes=self.max_bytes, name=name)
        except StatementError as error:
            raise error.in_file(name) from None
        async with self.db.transaction(write=False) as conn:
            held = await ReconciliationStore(conn).file_by_sha(src.sha256)
        if held is not None:
            return _already_imported(held)
        try:
            parsed = await asyncio.to_thread(
                _parse_and_prove,
                src.data,
                format=format,
                mapping=mapping,
                account=account,
                opening_balance=opening_balance,
                encoding=encoding,
            )
        except StatementError as error:
            raise error.in_file(name) from None
        del src
        try:
            return await self._store(actor, name, parsed, progress)
        except StatementError as error:
            raise error.in_file(name) from None

    async def _store(
        self, actor: str, name: str, parsed: StatementFile, progress: Progress | None
    ) -> ImportResult:
        """Store a parsed and proved file: its new lines, continuing what is stored."""
        async with self.db.transaction(write=True) as conn:
            store = ReconciliationStore(conn)
            await store.lock()
            existing = await store.file_by_sha(parsed.source_sha256)
            if existing is not None:  # imported meanwhile by someone else
                return _already_imported(existing)
            _registered(parsed, {a.number: a for a in await store.bank_accounts()})
            accounts = {s.account for s in parsed.statements}
            ends = await store.closing_points(accounts)
            known = {
                # An account without stored statements has no stored lines to look up.
                a: await store.known_keys(
                    a, [x.dedup_key for s in parsed.statements if s.account == a for x in s.lines]
                )
                if a in ends
                else set()
                for a in accounts
            }
            plans, lines_known = _plan(parsed, known, ends)
            # Continuity: each stored statement continues the account's latest one.
            prove_file(replace(parsed, statements=tuple(p.stored for p in plans)), previous=ends)
            total = sum(len(p.stored.lines) for p in plans)
            file_id = await store.add_file(
                sha256=parsed.source_sha256,
                filename=name,
                format=parsed.format,
                size_bytes=parsed.size_bytes,
                actor=actor,
                statements=len(parsed.statements),
                lines_added=total,
                lines_known=lines_known,
            )
            done = 0
            for plan in plans:
                row_id = await store.add_statement(
                    file_id, plan.stored, plan.stated, plan.lines_known
                )
                for start in range(0, len(plan.stored.lines), 2_000):
                    chunk = plan.stored.lines[start : start + 2_000]
                    await store.add_lines(row_id, chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
        log.info("reconciliation.imported", file=name, actor=actor, lines=total, known=lines_known)
        return ImportResult(
            file_id=file_id,
            filename=name,
            sha256=parsed.source_sha256,
            format=parsed.format.value,
            already_imported=False,
            statements=len(parsed.statements),
            statements_stored=len(plans),
            lines_added=total,
            lines_known=lines_known,
        )

    # -- matching --------------------------------------------------------------------------

    async def run(
        self, actor: str, *, dry_run: bool = False, bank_account: str | None = None
    ) -> tuple[RunResult, ...]:
        """Match each registered account's open lines and postings (all accounts, or the
        one named); store and auto-confirm, unless ``dry_run``. One transaction: every
        account's run is stored, or none."""
        _require_actor(actor)
        async with self.db.transaction(write=not dry_run) as conn:
            store = ReconciliationStore(conn)
            if not dry_run:
                await store.lock()
            results = tuple(
                [
                    await self._run_account(store, actor, account, dry_run)
                    for account in await self._accounts(store, bank_account)
                ]
            )
        for result in results:
            record = result.run
            log.info(
                "reconciliation.run",
                actor=actor,
                dry_run=dry_run,
                run_id=record.id,
                bank_account=record.bank_account,
                matches=record.matches,
                auto_confirmed=record.auto_confirmed,
                proposals=record.proposals,
            )
        return results

    async def _run_account(
        self, store: ReconciliationStore, actor: str, account: BankAccount, dry_run: bool
    ) -> RunResult:
        cash = await store.cash_account(account.book, account.ledger_account)
        bank_account = account.number
        open_lines = await store.lines(bank_account, open_only=True)
        open_items = await store.ledger_items(cash, open_only=True)
        result = match(list(open_lines.values()), list(open_items.values()), self.match_config)
        rejected = await store.rejected_keys(cash, bank_account)
        found = [m for m in result.matches if m.key not in rejected]
        started = now()
        auto = sum(1 for m in found if m.auto_confirmable)
        record = RunRecord(
            id=None,
            book=cash.book,
            account=cash.code,
            bank_account=bank_account,
            actor=actor,
            started_at=started,
            dry_run=dry_run,
            lines_considered=len(open_lines),
            postings_considered=len(open_items),
            matches=len(found),
            auto_confirmed=auto,
            proposals=len(found) - auto,
            skipped_rejected=len(result.matches) - len(found),
            config=asdict(self.match_config),
        )
        line_ids = {line.dedup_key: i for i, line in open_lines.items()}
        posting_ids = {item.posting_seq: p for p, item in open_items.items()}
        lines_by_key = {line.dedup_key: line for line in open_lines.values()}
        items_by_seq = {item.posting_seq: item for item in open_items.values()}
        run_id: int | None = None
        if not dry_run:
            run_id = await store.add_run(record)
            record = replace(record, id=run_id)
        stored: list[StoredMatch] = []
        for m in found:
            match_id = None
            if run_id is not None:
                match_id = await store.add_match(
                    run_id,
                    cash,
                    bank_account,
                    m,
                    [line_ids[k] for k in m.line_keys],
                    [posting_ids[s] for s in m.posting_seqs],
                    started,
                )
            stored.append(
                StoredMatch(
                    id=match_id,
                    run_id=run_id,
                    run_actor=actor,
                    rule=m.rule,
                    rule_version=m.rule_version,
                    score=m.score,
                    components=m.components,
                    match_key=m.key,
                    status=MatchStatus.CONFIRMED if m.auto_confirmable else MatchStatus.PROPOSED,
                    auto_confirmed=m.auto_confirmable,
                    created_at=started,
                    lines=tuple(lines_by_key[k] for k in m.line_keys),
                    items=tuple(items_by_seq[s] for s in m.posting_seqs),
                )
            )
        return RunResult(record, tuple(stored))

    # -- decisions ---------------------------------------------------------------------------

    async def confirm(self, actor: str, match_id: int, reason: str = "") -> StoredMatch:
        """A person confirms a proposal; not the one who ran the matching (four eyes)."""
        return await self._decide(actor, match_id, MatchStatus.CONFIRMED, reason)

    async def reject(self, actor: str, match_id: int, reason: str) -> StoredMatch:
        """A person rejects a proposal; its line and postings are free for a later run."""
        if not reason.strip():
            raise RiskpoolError(ErrorCode.VALIDATION, "say why the match is wrong", field="reason")
        return await self._decide(actor, match_id, MatchStatus.REJECTED, reason)

    async def _decide(
        self, actor: str, match_id: int, status: MatchStatus, reason: str
    ) -> StoredMatch:
        _require_actor(actor)
        if len(reason) > MAX_REASON:
            raise RiskpoolError(ErrorCode.VALIDATION, "reason too long", field="reason")
        async with self.db.transaction(write=True) as conn:
            store = ReconciliationStore(conn)
            await store.lock()
            row = await store.match_row(match_id, for_update=True)
            if row is None:
                raise RiskpoolError(ErrorCode.NOT_FOUND, f"no match #{match_id}", field="matchId")
            if row.status != MatchStatus.PROPOSED.value:
                raise RiskpoolError(
                    ErrorCode.INVALID_TRANSITION,
                    f"match #{match_id} is {row.status}, not a proposal awaiting a decision",
                    field="matchId",
                )
            if status is MatchStatus.CONFIRMED and row.run_actor == actor:
                raise RiskpoolError(
                    ErrorCode.FORBIDDEN,
                    f"four eyes: {actor} ran the matching that proposed match #{match_id}; "
                    "another person must confirm it",
                    field="matchId",
                )
            if not await store.decide(match_id, status, actor, reason):
                raise RiskpoolError(
                    ErrorCode.INVALID_TRANSITION,
                    f"match #{match_id} was decided meanwhile",
                    field="matchId",
                )
            cash = await store.cash_account(row.book, row.account)
            (decided,) = await store.stored_matches(cash, row.bank_account, ids=[match_id])
        log.info("reconciliation.decided", match_id=match_id, status=status.value, actor=actor)
        return decided

    # -- reads --------------------------------------------------------------------------------

    async def proposals(self, bank_account: str | None = None) -> list[StoredMatch]:
        """Proposals awaiting a person's decision, oldest first (all accounts, or one)."""
        return await self.matches([MatchStatus.PROPOSED], bank_account=bank_account)

    async def matches(
        self, statuses: Sequence[MatchStatus] | None = None, *, bank_account: str | None = None
    ) -> list[StoredMatch]:
        """Stored matches of every registered account (or the one named), oldest first."""
        async with self.db.transaction(write=False) as conn:
            store = ReconciliationStore(conn)
            found: list[StoredMatch] = []
            for account in await self._accounts(store, bank_account, some=False):
                cash = await store.cash_account(account.book, account.ledger_account)
                found += await store.stored_matches(cash, account.number, statuses=statuses)
        return sorted(found, key=lambda m: m.id or 0)

    async def statement_closings(self, bank_account: str) -> list[tuple[str, date, Money]]:
        """(statement id, closing date, closing balance) of every proved statement of
        ``bank_account``, oldest first; empty before any statement is imported."""
        async with self.db.transaction(write=False) as conn:
            statements = await ReconciliationStore(conn).statements(bank_account)
        return sorted(
            ((s.statement_id, s.closing_date, s.closing) for s in statements),
            key=lambda item: (item[1], item[0]),
        )

    async def runs(self, limit: int = 20) -> list[RunRecord]:
        async with self.db.transaction(write=False) as conn:
            return await ReconciliationStore(conn).runs(max(1, min(limit, 100)))

    async def report(self, as_of: date, bank_account: str | None = None) -> StoredReport:
        """The 银行存款余额调节表 of one account at the end of ``as_of``: the one named,
        or the only one registered (``VALIDATION`` listing them when there are several)."""
        async with self.db.transaction(write=False) as conn:
            store = ReconciliationStore(conn)
            accounts = await self._accounts(store, bank_account)
            if len(accounts) > 1:
                raise RiskpoolError(
                    ErrorCode.VALIDATION,
                    "several bank accounts are registered ("
                    + ", ".join(a.number for a in accounts)
                    + "): name one",
                    field="bankAccount",
                )
            return await self._report(store, accounts[0], as_of)

    async def reports(self, as_of: date, bank_account: str | None = None) -> list[StoredReport]:
        """The 银行存款余额调节表 of every registered account (or the one named)."""
        async with self.db.transaction(write=False) as conn:
            store = ReconciliationStore(conn)
            return [stored for _, stored in await self._reports(store, as_of, bank_account)]

    async def _reports(
        self, store: ReconciliationStore, as_of: date, bank_account: str | None
    ) -> list[tuple[Any, StoredReport]]:
        """Each account's report. Asked for every account, an account with no statement
        by ``as_of`` yet (a newly registered one) is left out rather than failing the
        others; only when no account has one is the answer ``NOT_FOUND``."""
        found: list[tuple[Any, StoredReport]] = []
        missing: RiskpoolError | None = None
        for account in await self._accounts(store, bank_account, some=False):
            try:
                found.append((account, await self._report(store, account, as_of)))
            except RiskpoolError as error:
                if bank_account is not None or error.code is not ErrorCode.NOT_FOUND:
                    raise
                missing = error
        if not found and missing is not None:
            raise missing
        return found

    async def adjustment_documents(
        self,
        as_of: date,
        format: SheetFormat,
        *,
        preparer: str,
        reviewer: str,
        bank_account: str | None = None,
    ) -> list[Document]:
        """The 银行存款余额调节表 of every registered account (or the one named) as files:
        Excel or PDF, signed off by ``preparer`` and ``reviewer`` (two people).
        Rendering runs in a worker thread: a PDF of many open items takes a while."""
        async with self.db.transaction(write=False) as conn:
            store = ReconciliationStore(conn)
            pairs = await self._reports(store, as_of, bank_account)
        prepared_at = now()
        sheets = [
            build_sheet(
                stored, account, preparer=preparer, reviewer=reviewer, prepared_at=prepared_at
            )
            for account, stored in pairs
        ]
        return [await asyncio.to_thread(render_document, sheet, format) for sheet in sheets]

    async def _report(
        self, store: ReconciliationStore, account: BankAccount, as_of: date
    ) -> StoredReport:
        cash = await store.cash_account(account.book, account.ledger_account)
        bank_account = account.number
        statements = await store.statements(bank_account, up_to=as_of)
        bank_balance = bank_balance_on(statements, as_of)
        book_balance = await store.ledger.balance(cash.book, cash.code, as_of)
        lines = await store.lines(bank_account)
        items = await store.ledger_items(cash)
        live = await store.stored_matches(
            cash, bank_account, statuses=[MatchStatus.PROPOSED, MatchStatus.CONFIRMED]
        )
        as_match = [_as_match(m) for m in live]
        report = build_report(
            as_of,
            book_balance=book_balance,
            bank_balance=bank_balance,
            lines=lines.values(),
            items=items.values(),
            matches=as_match,
            confirmed={m.match_key for m in live if m.status is MatchStatus.CONFIRMED},
        )
        proposal_keys = {m.key for m in report.open_proposals}
        matched_keys = {m.key for m in report.matched}
        return StoredReport(
            book=cash.book,
            account=cash.code,
            bank_account=bank_account,
            as_of=as_of,
            report=report,
            match_ids={m.match_key: m.id for m in live if m.id is not None},
            matched=tuple(m for m in live if m.match_key in matched_keys),
            proposals=tuple(m for m in live if m.match_key in proposal_keys),
        )


def _as_match(stored: StoredMatch) -> Match:
    return Match(
        rule=stored.rule,
        rule_version=stored.rule_version,
        line_keys=tuple(line.dedup_key for line in stored.lines),
        posting_seqs=tuple(item.posting_seq for item in stored.items),
        score=stored.score,
        components=stored.components,
        auto_confirmable=stored.auto_confirmed,
    )


def _parse_and_prove(
    data: bytes,
    *,
    format: StatementFormat | None,
    mapping: ColumnMapping | str | None,
    account: str | None,
    opening_balance: Money | None,
    encoding: str | None,
) -> StatementFile:
    """Parse and prove one file as the bank sent it (CPU work, run off the event loop)."""
    parsed = parse_bytes(
        data,
        format=format,
        mapping=mapping,
        account=account,
        opening_balance=opening_balance,
        encoding=encoding,
    )
    prove_file(parsed)  # arithmetic, running balances and period, as the bank sent it
    return parsed


MAX_BANK = 200
MAX_NUMBER = 64
MAX_CODE = 32


def _valid_account(account: BankAccount) -> BankAccount:
    """The account with its fields trimmed, or ``VALIDATION`` naming the bad field."""
    trimmed = replace(
        account,
        bank=account.bank.strip(),
        number=account.number.strip(),
        currency=account.currency.strip().upper(),
        book=account.book.strip(),
        ledger_account=account.ledger_account.strip(),
    )
    for field, value, size in (
        ("bank", trimmed.bank, MAX_BANK),
        ("number", trimmed.number, MAX_NUMBER),
        ("book", trimmed.book, MAX_CODE),
        ("ledgerAccount", trimmed.ledger_account, MAX_CODE),
    ):
        if not value or len(value) > size or "\x00" in value:
            raise RiskpoolError(
                ErrorCode.VALIDATION, f"{field}: 1 to {size} characters, no NUL", field=field
            )
    if any(ch.isspace() for ch in trimmed.number):
        raise RiskpoolError(
            ErrorCode.VALIDATION,
            "number: the account number as the bank prints it on statements, without spaces",
            field="number",
        )
    if (
        len(trimmed.currency) != 3
        or not trimmed.currency.isascii()
        or not trimmed.currency.isalpha()
    ):
        raise RiskpoolError(
            ErrorCode.VALIDATION, "currency: a three-letter ISO 4217 code", field="currency"
        )
    return trimmed


def _registered(parsed: StatementFile, registry: dict[str, BankAccount]) -> None:
    """Refuse the file unless every statement is of a registered account, in its
    currency, and not opening before the account was opened."""
    for statement in parsed.statements:
        account = registry.get(statement.account)
        if account is None:
            known = ", ".join(sorted(registry)) or "none"
            raise StatementError(
                ErrorCode.STATEMENT_ACCOUNT_UNKNOWN,
                f"{statement.statement_id}: bank account {statement.account} is not one of "
                f"the fund's registered accounts ({known}); register it first",
            )
        if statement.currency != account.currency:
            raise StatementError(
                ErrorCode.STATEMENT_ACCOUNT_UNKNOWN,
                f"{statement.statement_id}: bank account {statement.account} is registered "
                f"in {account.currency}, the statement is in {statement.currency}",
            )
        if statement.opening_date < account.opening_date:
            raise StatementError(
                ErrorCode.STATEMENT_ACCOUNT_UNKNOWN,
                f"{statement.statement_id}: opens {statement.opening_date}, before bank "
                f"account {statement.account} was opened ({account.opening_date})",
            )


def _already_imported(row: Any) -> ImportResult:
    """The answer for bytes imported before: what that import stored, nothing new."""
    return ImportResult(
        file_id=int(row.id),
        filename=row.filename,
        sha256=row.sha256,
        format=row.format,
        already_imported=True,
        statements=int(row.statements),
        statements_stored=0,
        lines_added=0,
        lines_known=int(row.lines_added) + int(row.lines_known),
    )


def _require_actor(actor: str) -> None:
    if not actor or not actor.strip() or len(actor) > 200:
        raise RiskpoolError(ErrorCode.VALIDATION, "the acting person must be named", field="actor")
