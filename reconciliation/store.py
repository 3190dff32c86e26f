"""The reconciliation's persistence on one open connection (inside a caller's transaction).

Like :class:`riskpool.ledger.store.LedgerStore`, :class:`ReconciliationStore`
neither begins nor commits: the use cases in
:mod:`riskpool.reconciliation.service` hold one transaction each, so an
import, a run or a decision is stored whole or not at all.

It reads the ledger (postings of the reconciled cash account, through
:class:`~riskpool.ledger.store.LedgerStore` and the ledger's tables) and never
writes to it.

Serialisation: every reconciliation write first calls :meth:`lock`. On SQLite
the write transaction already holds the database's write lock
(``BEGIN IMMEDIATE``); on PostgreSQL a transaction-scoped advisory lock makes
imports, runs and decisions take turns, so two imports cannot both continue
the same statement and two runs cannot both propose the same line. The unique
indexes stay the last line of defence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.money import from_minor
from riskpool.ledger.schema import postings
from riskpool.ledger.store import LedgerStore
from riskpool.reconciliation import tables as t
from riskpool.reconciliation.integrity import ClosingPoint
from riskpool.reconciliation.matching import LedgerItem, Match, ledger_items
from riskpool.reconciliation.model import Statement, StatementFormat, StatementLine
from riskpool.reconciliation.records import (
    BankAccount,
    Decision,
    MatchStatus,
    RunRecord,
    StoredMatch,
)

ADVISORY_LOCK = 0x7265636F6E  # "recon": one key for all reconciliation writers
_CHUNK = 500


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CashAccount:
    """The ledger's cash account being reconciled (its id, code and currency)."""

    id: int
    book: str
    code: str
    currency: str


def line_from_row(row: Any) -> StatementLine:
    return StatementLine(
        account=row.account,
        currency=row.currency,
        booking_date=row.booking_date,
        value_date=row.value_date,
        amount_minor=int(row.amount_minor),
        bank_reference=row.bank_reference,
        end_to_end_id=row.end_to_end_id,
        counterparty_name=row.counterparty_name,
        counterparty_account=row.counterparty_account,
        purpose=row.purpose,
        running_balance_minor=(
            None if row.running_balance_minor is None else int(row.running_balance_minor)
        ),
        is_reversal=bool(row.is_reversal),
        transaction_code=row.transaction_code,
        raw=row.raw,
        source_sha256=row.source_sha256,
        source_line=int(row.source_line),
        dedup_key=row.dedup_key,
    )


_LINE_CHUNK = 2_000


_LINE_COLUMNS = (
    "statement_row_id",
    "account",
    "currency",
    "dedup_key",
    "booking_date",
    "value_date",
    "amount_minor",
    "bank_reference",
    "end_to_end_id",
    "counterparty_name",
    "counterparty_account",
    "purpose",
    "running_balance_minor",
    "is_reversal",
    "transaction_code",
    "raw",
    "source_sha256",
    "source_line",
)
"""The order of :func:`_line_row`'s values (``add_lines`` checks it against the table)."""


def _fresh(text: str) -> str:
    """A new str equal to ``text`` (``str(text)`` and slices return ``text`` itself)."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")


def _line_row(statement_row_id: int, line: StatementLine, sqlite: bool) -> tuple[Any, ...]:
    """A line as the driver takes it, in :data:`_LINE_COLUMNS` order.

    SQLite stores dates as ISO text and booleans as 0/1 (what SQLAlchemy's own
    SQLite types write and read back); asyncpg takes both natively. And
    sqlite3 binds text through its UTF-8 form, which CPython then caches on
    the str object for as long as it lives: bound directly, every line's raw
    text and purpose would be held twice until the import ends; a fresh copy
    carries that cache instead and goes with its chunk.
    """
    if len(line.dedup_key) > t.MAX_KEY:
        raise RiskpoolError(
            ErrorCode.STATEMENT_INVALID,
            f"line {line.source_line}: reference too long to store",
            field="bank_reference",
        )
    booking: Any = line.booking_date
    value: Any = line.value_date
    reversal: Any = line.is_reversal
    raw, purpose = line.raw, line.purpose
    if sqlite:
        booking = booking.isoformat()
        value = value.isoformat() if value is not None else None
        reversal = int(reversal)
        raw, purpose = _fresh(raw), _fresh(purpose)
    return (
        statement_row_id,
        line.account,
        line.currency,
        line.dedup_key,
        booking,
        value,
        line.amount_minor,
        _clip(line.bank_reference, 200),
        _clip(line.end_to_end_id, 200),
        _clip(line.counterparty_name, 300),
        _clip(line.counterparty_account, 100),
        purpose,
        line.running_balance_minor,
        reversal,
        _clip(line.transaction_code, 64),
        raw,
        line.source_sha256,
        line.source_line,
    )


def _clip(value: str | None, size: int) -> str | None:
    """Informative text fields are cut to the column size; the raw line keeps the whole."""
    return None if value is None else value[:size]


UNIQUE_VIOLATION = frozenset({"23505", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})
"""A unique key refused the row: PostgreSQL's SQLSTATE, SQLite's error name."""


def database_refusal(exc: DBAPIError) -> str | None:
    """The driver's own name for a refusal: asyncpg's SQLSTATE (``.sqlstate``,
    e.g. ``23505``) or sqlite3's ``.sqlite_errorname`` (e.g.
    ``SQLITE_CONSTRAINT_UNIQUE``) — never the message text, which differs by
    driver, version and locale."""
    original = exc.orig
    for attribute in ("sqlstate", "pgcode", "sqlite_errorname"):
        value = getattr(original, attribute, None)
        if isinstance(value, str) and value:
            return value
    cause = getattr(original, "__cause__", None)
    value = getattr(cause, "sqlstate", None)
    return value if isinstance(value, str) else None


def is_unique_violation(exc: DBAPIError) -> bool:
    return database_refusal(exc) in UNIQUE_VIOLATION


class ReconciliationStore:
    """Reads and writes of the reconciliation tables; see the module docstring."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.ledger = LedgerStore(conn)

    async def lock(self) -> None:
        if self.conn.dialect.name == "postgresql":
            await self.conn.execute(text(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK})"))

    # -- files, statements, lines ---------------------------------------------------

    async def file_by_sha(self, sha256: str) -> Any | None:
        return (await self.conn.execute(select(t.files).where(t.files.c.sha256 == sha256))).first()

    async def closing_points(self, accounts: Iterable[str]) -> dict[str, ClosingPoint]:
        """Where each account's latest stored statement ends (absent: none stored yet)."""
        points: dict[str, ClosingPoint] = {}
        for account in sorted(set(accounts)):
            row = (
                await self.conn.execute(
                    select(
                        t.statements.c.closing_minor,
                        t.statements.c.closing_date,
                        t.statements.c.currency,
                    )
                    .where(t.statements.c.account == account)
                    .order_by(t.statements.c.closing_date.desc(), t.statements.c.id.desc())
                    .limit(1)
                )
            ).first()
            if row is not None:
                points[account] = ClosingPoint(
                    from_minor(int(row.closing_minor), row.currency), row.closing_date
                )
        return points

    async def known_keys(self, account: str, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(sorted(set(keys))):
            rows = await self.conn.execute(
                select(t.lines.c.dedup_key).where(
                    t.lines.c.account == account, t.lines.c.dedup_key.in_(chunk)
                )
            )
            found.update(rows.scalars())
        return found

    async def add_file(
        self,
        *,
        sha256: str,
        filename: str,
        format: StatementFormat,
        size_bytes: int,
        actor: str,
        statements: int,
        lines_added: int,
        lines_known: int,
    ) -> int:
        result = await self.conn.execute(
            insert(t.files)
            .values(
                sha256=sha256,
                filename=filename[:255],
                format=format.value,
                size_bytes=size_bytes,
                imported_at=now(),
                imported_by=actor,
                statements=statements,
                lines_added=lines_added,
                lines_known=lines_known,
            )
            .returning(t.files.c.id)
        )
        return int(result.scalar_one())

    async def add_statement(
        self, file_id: int, statement: Statement, stated: Statement, lines_known: int
    ) -> int:
        result = await self.conn.execute(
            insert(t.statements)
            .values(
                file_id=file_id,
                account=statement.account,
                currency=statement.currency,
                format=statement.format.value,
                statement_id=statement.statement_id[:200],
                sequence=_clip(statement.sequence, 64),
                opening_date=statement.opening_date,
                opening_minor=statement.opening_minor,
                closing_date=statement.closing_date,
                closing_minor=statement.closing_minor,
                opening_derived=statement.opening_derived,
                stated_opening_date=stated.opening_date,
                stated_opening_minor=stated.opening_minor,
                lines_known=lines_known,
            )
            .returning(t.statements.c.id)
        )
        return int(result.scalar_one())

    async def add_lines(self, statement_row_id: int, lines: Sequence[StatementLine]) -> None:
        """Insert lines with the driver's own ``executemany`` (one statement, many rows).

        Why not ``conn.execute(insert(...), rows)``: for a 200,000-line statement,
        SQLAlchemy's per-row parameter processing took longer than the parse.
        The statement is still SQLAlchemy's (compiled for the dialect, so the
        columns and casts are the table's); the rows are passed as plain tuples
        in its parameter order, with the two conversions the drivers need done
        here (see :func:`_driver_value`).
        """
        if not lines:
            return
        compiled = insert(t.lines).compile(dialect=self.conn.dialect, column_keys=_LINE_COLUMNS)
        if tuple(compiled.positiontup or ()) != _LINE_COLUMNS:  # pragma: no cover - table changed
            raise RuntimeError("recon_lines columns differ from the row layout of _line_row")
        sqlite = self.conn.dialect.name == "sqlite"
        for chunk in _chunks(lines, _LINE_CHUNK):
            rows = [_line_row(statement_row_id, line, sqlite) for line in chunk]
            await self.conn.exec_driver_sql(compiled.string, rows)

    # -- the registry of bank accounts ------------------------------------------------

    async def add_bank_account(self, account: BankAccount, actor: str) -> BankAccount:
        """Register ``account``; ``None`` fields of who/when are the server's."""
        registered_at = now()
        result = await self.conn.execute(
            insert(t.bank_accounts)
            .values(
                bank=account.bank,
                account_number=account.number,
                currency=account.currency,
                book=account.book,
                ledger_account=account.ledger_account,
                opening_date=account.opening_date,
                registered_at=registered_at,
                registered_by=actor,
            )
            .returning(t.bank_accounts.c.id)
        )
        return replace(
            account,
            id=int(result.scalar_one()),
            registered_at=registered_at,
            registered_by=actor,
        )

    async def bank_accounts(self, number: str | None = None) -> list[BankAccount]:
        """Registered accounts (all, or the one numbered ``number``), in registration order."""
        query = select(t.bank_accounts).order_by(t.bank_accounts.c.id)
        if number is not None:
            query = query.where(t.bank_accounts.c.account_number == number)
        return [
            BankAccount(
                id=int(row.id),
                bank=row.bank,
                number=row.account_number,
                currency=row.currency,
                book=row.book,
                ledger_account=row.ledger_account,
                opening_date=row.opening_date,
                registered_at=_aware(row.registered_at),
                registered_by=row.registered_by,
            )
            for row in await self.conn.execute(query)
        ]

    async def statements(self, account: str, up_to: date | None = None) -> list[Statement]:
        """The stored statements of ``account`` (opening on or before ``up_to``), with lines."""
        query = select(t.statements).where(t.statements.c.account == account)
        if up_to is not None:
            query = query.where(t.statements.c.opening_date <= up_to)
        headers = (await self.conn.execute(query.order_by(t.statements.c.id))).all()
        by_statement: dict[int, list[StatementLine]] = {h.id: [] for h in headers}
        if headers:
            line_query = (
                select(t.lines)
                .where(t.lines.c.account == account)
                .order_by(t.lines.c.booking_date, t.lines.c.id)
            )
            for row in await self.conn.execute(line_query):
                if row.statement_row_id in by_statement:
                    by_statement[row.statement_row_id].append(line_from_row(row))
        return [
            Statement(
                format=StatementFormat(h.format),
                statement_id=h.statement_id,
                account=h.account,
                currency=h.currency,
                opening_date=h.opening_date,
                opening_minor=int(h.opening_minor),
                closing_date=h.closing_date,
                closing_minor=int(h.closing_minor),
                opening_derived=bool(h.opening_derived),
                lines=tuple(by_statement[h.id]),
                source_sha256="",
                sequence=h.sequence,
            )
            for h in headers
        ]

    async def lines(self, account: str, *, open_only: bool = False) -> dict[int, StatementLine]:
        """Lines of ``account`` by id; ``open_only``: not in a live (unreleased) match."""
        query = select(t.lines).where(t.lines.c.account == account)
        if open_only:
            live = select(t.members.c.line_id).where(
                t.members.c.line_id.is_not(None), t.members.c.released.is_(False)
            )
            query = query.where(t.lines.c.id.not_in(live))
        rows = await self.conn.execute(query.order_by(t.lines.c.id))
        return {int(row.id): line_from_row(row) for row in rows}

    async def lines_by_id(self, ids: Sequence[int]) -> dict[int, StatementLine]:
        found: dict[int, StatementLine] = {}
        for chunk in _chunks(sorted(set(ids))):
            for row in await self.conn.execute(select(t.lines).where(t.lines.c.id.in_(chunk))):
                found[int(row.id)] = line_from_row(row)
        return found

    # -- the ledger side ------------------------------------------------------------------

    async def cash_account(self, book: str, code: str) -> CashAccount:
        account = await self.ledger.account(book, code)
        return CashAccount(account.id, book, code, account.currency)

    async def ledger_items(
        self, cash: CashAccount, *, open_only: bool = False
    ) -> dict[int, LedgerItem]:
        """Postings on the cash account as matcher items, by posting id."""
        query = select(postings.c.id, postings.c.entry_id, postings.c.account_seq).where(
            postings.c.account_id == cash.id
        )
        if open_only:
            live = select(t.members.c.posting_id).where(
                t.members.c.posting_id.is_not(None), t.members.c.released.is_(False)
            )
            query = query.where(postings.c.id.not_in(live))
        rows = (await self.conn.execute(query)).all()
        if not rows:
            return {}
        by_seq = {int(row.account_seq): int(row.id) for row in rows}
        entries = await self.ledger.entries_by_id([int(row.entry_id) for row in rows])
        items = ledger_items(sorted(entries.values(), key=lambda e: e.id), cash.code)
        return {by_seq[i.posting_seq]: i for i in items if i.posting_seq in by_seq}

    # -- runs, matches, decisions ------------------------------------------------------

    async def rejected_keys(self, cash: CashAccount, bank_account: str) -> set[str]:
        rows = await self.conn.execute(
            select(t.matches.c.match_key).where(
                t.matches.c.book == cash.book,
                t.matches.c.account == cash.code,
                t.matches.c.bank_account == bank_account,
                t.matches.c.status == MatchStatus.REJECTED.value,
            )
        )
        return set(rows.scalars())

    async def add_run(self, record: RunRecord) -> int:
        result = await self.conn.execute(
            insert(t.runs)
            .values(
                book=record.book,
                account=record.account,
                bank_account=record.bank_account,
                actor=record.actor,
                started_at=record.started_at,
                config=dict(record.config),
                lines_considered=record.lines_considered,
                postings_considered=record.postings_considered,
                matches=record.matches,
                auto_confirmed=record.auto_confirmed,
                proposals=record.proposals,
                skipped_rejected=record.skipped_rejected,
            )
            .returning(t.runs.c.id)
        )
        return int(result.scalar_one())

    async def add_match(
        self,
        run_id: int,
        cash: CashAccount,
        bank_account: str,
        found: Match,
        line_ids: Sequence[int],
        posting_ids: Sequence[int],
        created_at: datetime,
    ) -> int:
        """Store a match and its members; ``ALREADY_MATCHED`` if a member is taken."""
        status = MatchStatus.CONFIRMED if found.auto_confirmable else MatchStatus.PROPOSED
        result = await self.conn.execute(
            insert(t.matches)
            .values(
                run_id=run_id,
                book=cash.book,
                account=cash.code,
                bank_account=bank_account,
                rule=found.rule,
                rule_version=found.rule_version,
                score=found.score,
                components=[[name, points] for name, points in found.components],
                match_key=found.key,
                status=status.value,
                auto_confirmed=found.auto_confirmable,
                created_at=created_at,
            )
            .returning(t.matches.c.id)
        )
        match_id = int(result.scalar_one())
        await self.add_members(match_id, line_ids, posting_ids)
        return match_id

    async def add_members(
        self, match_id: int, line_ids: Sequence[int], posting_ids: Sequence[int]
    ) -> None:
        rows = [{"match_id": match_id, "line_id": i, "posting_id": None} for i in line_ids] + [
            {"match_id": match_id, "line_id": None, "posting_id": p} for p in posting_ids
        ]
        try:
            async with self.conn.begin_nested():
                await self.conn.execute(insert(t.members), rows)
        except IntegrityError as exc:
            if is_unique_violation(exc):
                # The members table's only unique keys are the at-most-once indexes.
                raise RiskpoolError(
                    ErrorCode.ALREADY_MATCHED,
                    f"match #{match_id}: a line or posting is already in another match",
                    field="matchId",
                ) from None
            raise

    async def match_row(self, match_id: int, *, for_update: bool = False) -> Any | None:
        query = (
            select(t.matches, t.runs.c.actor.label("run_actor"))
            .select_from(t.matches.join(t.runs, t.runs.c.id == t.matches.c.run_id))
            .where(t.matches.c.id == match_id)
        )
        if for_update and self.conn.dialect.name == "postgresql":
            query = query.with_for_update(of=t.matches)
        return (await self.conn.execute(query)).first()

    async def decide(self, match_id: int, status: MatchStatus, actor: str, reason: str) -> bool:
        """Move a proposal to ``status`` and record who decided; false if not proposed."""
        changed = await self.conn.execute(
            update(t.matches)
            .where(
                t.matches.c.id == match_id,
                t.matches.c.status == MatchStatus.PROPOSED.value,
            )
            .values(status=status.value)
        )
        if changed.rowcount != 1:
            return False
        if status is MatchStatus.REJECTED:
            await self.conn.execute(
                update(t.members).where(t.members.c.match_id == match_id).values(released=True)
            )
        await self.conn.execute(
            insert(t.decisions).values(
                match_id=match_id,
                decision="confirm" if status is MatchStatus.CONFIRMED else "reject",
                actor=actor,
                decided_at=now(),
                reason=reason,
            )
        )
        return True

    async def stored_matches(
        self,
        cash: CashAccount,
        bank_account: str,
        *,
        statuses: Sequence[MatchStatus] | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[StoredMatch]:
        """Matches of the account pair (optionally by status or id), with their members."""
        query = (
            select(t.matches, t.runs.c.actor.label("run_actor"))
            .select_from(t.matches.join(t.runs, t.runs.c.id == t.matches.c.run_id))
            .where(
                t.matches.c.book == cash.book,
                t.matches.c.account == cash.code,
                t.matches.c.bank_account == bank_account,
            )
            .order_by(t.matches.c.id)
        )
        if statuses is not None:
            query = query.where(t.matches.c.status.in_([s.value for s in statuses]))
        if ids is not None:
            query = query.where(t.matches.c.id.in_(list(ids)))
        rows = (await self.conn.execute(query)).all()
        if not rows:
            return []
        match_ids = [int(r.id) for r in rows]
        member_rows: list[Any] = []
        decision_rows: dict[int, Decision] = {}
        for chunk in _chunks(match_ids):
            member_rows.extend(
                await self.conn.execute(
                    select(t.members)
                    .where(t.members.c.match_id.in_(chunk))
                    .order_by(t.members.c.id)
                )
            )
            for d in await self.conn.execute(
                select(t.decisions).where(t.decisions.c.match_id.in_(chunk))
            ):
                decision_rows[int(d.match_id)] = Decision(
                    d.decision, d.actor, _aware(d.decided_at), d.reason
                )
        line_ids = [int(m.line_id) for m in member_rows if m.line_id is not None]
        posting_ids = {int(m.posting_id) for m in member_rows if m.posting_id is not None}
        lines = await self.lines_by_id(line_ids)
        items = await self.ledger_items(cash) if posting_ids else {}
        by_match: dict[int, tuple[list[StatementLine], list[LedgerItem]]] = {
            i: ([], []) for i in match_ids
        }
        for m in member_rows:
            side = by_match[int(m.match_id)]
            if m.line_id is not None and int(m.line_id) in lines:
                side[0].append(lines[int(m.line_id)])
            if m.posting_id is not None and int(m.posting_id) in items:
                side[1].append(items[int(m.posting_id)])
        return [
            StoredMatch(
                id=int(r.id),
                run_id=int(r.run_id),
                run_actor=r.run_actor,
                rule=r.rule,
                rule_version=int(r.rule_version),
                score=int(r.score),
                components=tuple((str(name), int(points)) for name, points in r.components),
                match_key=r.match_key,
                status=MatchStatus(r.status),
                auto_confirmed=bool(r.auto_confirmed),
                created_at=_aware(r.created_at),
                lines=tuple(by_match[int(r.id)][0]),
                items=tuple(by_match[int(r.id)][1]),
                decision=decision_rows.get(int(r.id)),
            )
            for r in rows
        ]

    async def runs(self, limit: int) -> list[RunRecord]:
        rows = await self.conn.execute(select(t.runs).order_by(t.runs.c.id.desc()).limit(limit))
        return [run_from_row(row) for row in rows]

    async def files(self, limit: int) -> list[Any]:
        rows = await self.conn.execute(select(t.files).order_by(t.files.c.id.desc()).limit(limit))
        return list(rows)

    async def count_rows(self) -> Mapping[str, int]:
        """Rows per reconciliation table (for tests and the demo's report)."""
        counts: dict[str, int] = {}
        for table in t.ALL_TABLES:
            result = await self.conn.execute(select(func.count()).select_from(table))
            counts[table.name] = int(result.scalar_one())
        return counts


def run_from_row(row: Any) -> RunRecord:
    return RunRecord(
        id=int(row.id),
        book=row.book,
        account=row.account,
        bank_account=row.bank_account,
        actor=row.actor,
        started_at=_aware(row.started_at),
        dry_run=False,
        lines_considered=int(row.lines_considered),
        postings_considered=int(row.postings_considered),
        matches=int(row.matches),
        auto_confirmed=int(row.auto_confirmed),
        proposals=int(row.proposals),
        skipped_rejected=int(row.skipped_rejected),
        config={str(k): int(v) for k, v in dict(row.config).items()},
    )
