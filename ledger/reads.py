"""Reading the ledger: entries, balances, account statements, trial balances."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date

from moneyed import Money
from sqlalchemy import case, func, select

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.accounts import LedgerAccounts, chunks, in_list_size, one_of
from riskpool.ledger.model import (
    AccountStatement,
    JournalEntry,
    Posting,
    StatementLine,
    TrialBalance,
    TrialBalanceRow,
    freeze_metadata,
)
from riskpool.ledger.money import from_minor
from riskpool.ledger.schema import accounts, balances, books, entries, postings


class LedgerReads(LedgerAccounts):
    """Reads and reports over one connection, on top of books and accounts."""

    # -- reading ----------------------------------------------------------------

    async def entries_by_id(self, entry_ids: Sequence[int]) -> dict[int, JournalEntry]:
        """Load entries with their postings, two queries per chunk of ids."""
        result: dict[int, JournalEntry] = {}
        unique = sorted(set(entry_ids))
        for chunk in chunks(unique, 2_000):
            entry_rows = (
                await self.conn.execute(
                    select(entries, books.c.code.label("book_code"))
                    .select_from(entries.join(books, books.c.id == entries.c.book_id))
                    .where(entries.c.id.in_(chunk))
                )
            ).all()
            posting_rows = (
                await self.conn.execute(
                    select(postings, accounts.c.code.label("account_code"))
                    .select_from(postings.join(accounts, accounts.c.id == postings.c.account_id))
                    .where(postings.c.entry_id.in_(chunk))
                    .order_by(postings.c.entry_id, postings.c.id)
                )
            ).all()
            grouped: dict[int, list[Posting]] = defaultdict(list)
            for p in posting_rows:
                grouped[p.entry_id].append(
                    Posting(
                        entry_id=p.entry_id,
                        account_id=p.account_id,
                        account=p.account_code,
                        amount=from_minor(p.amount, p.currency),
                        account_seq=p.account_seq,
                        balance_after=from_minor(p.balance_after, p.currency),
                        prev_hash=p.prev_hash,
                    )
                )
            for e in entry_rows:
                booked_at = e.booked_at
                if booked_at.tzinfo is None:
                    booked_at = booked_at.replace(tzinfo=UTC)
                result[e.id] = JournalEntry(
                    id=e.id,
                    book=e.book_code,
                    effective_date=e.effective_date,
                    booked_at=booked_at,
                    description=e.description,
                    metadata=freeze_metadata(e.metadata),
                    idempotency_key=e.idempotency_key,
                    actor=e.actor,
                    reverses=e.reverses_entry_id,
                    entry_hash=e.entry_hash,
                    postings=tuple(grouped[e.id]),
                )
        return result

    async def entry(self, entry_id: int) -> JournalEntry:
        found = (await self.entries_by_id([entry_id])).get(entry_id)
        if found is None:
            raise RiskpoolError(ErrorCode.UNKNOWN_ENTRY, f"no entry #{entry_id}", field="entry")
        return found

    async def _existing_keys(self, keys: Sequence[str]) -> dict[str, tuple[int, str]]:
        found: dict[str, tuple[int, str]] = {}
        for chunk in chunks(keys, in_list_size(self._dialect)):
            rows = await self.conn.execute(
                select(entries.c.idempotency_key, entries.c.id, entries.c.payload_hash).where(
                    one_of(entries.c.idempotency_key, chunk, self._dialect)
                )
            )
            for key, entry_id, digest in rows:
                found[key] = (entry_id, digest)
        return found

    async def entry_by_key(self, idempotency_key: str) -> JournalEntry | None:
        found = await self._existing_keys([idempotency_key])
        if idempotency_key not in found:
            return None
        return await self.entry(found[idempotency_key][0])

    async def reversal_of(self, entry_id: int) -> int | None:
        result = await self.conn.execute(
            select(entries.c.id).where(entries.c.reverses_entry_id == entry_id)
        )
        return result.scalar_one_or_none()

    async def balance(self, book: str, code: str, as_of: date | None = None) -> Money:
        """Debit-positive balance; the cached one now, or Σ postings dated ≤ ``as_of``."""
        account = await self.account(book, code)
        return from_minor(await self._balance_units(account.id, as_of), account.currency)

    async def balances(self, book: str, as_of: date | None = None) -> dict[str, Money]:
        """Every account of ``book`` with its balance (one aggregate query)."""
        tb = await self.trial_balance(book, as_of)
        return {row.account.code: row.balance for row in tb.rows}

    async def _balance_units(self, account_id: int, as_of: date | None) -> int:
        if as_of is None:
            result = await self.conn.execute(
                select(balances.c.balance).where(balances.c.account_id == account_id)
            )
            return int(result.scalar_one())
        result = await self.conn.execute(
            select(func.coalesce(func.sum(postings.c.amount), 0))
            .select_from(postings.join(entries, entries.c.id == postings.c.entry_id))
            .where(postings.c.account_id == account_id, entries.c.effective_date <= as_of)
        )
        return int(result.scalar_one())

    async def statement(
        self, book: str, code: str, date_from: date, date_to: date
    ) -> AccountStatement:
        """Movements of one account between two dates with a running balance."""
        account = await self.account(book, code)
        opening = await self._balance_units(account.id, date.fromordinal(date_from.toordinal() - 1))
        running = func.sum(postings.c.amount).over(
            order_by=(entries.c.effective_date, entries.c.id)
        )
        rows = await self.conn.execute(
            select(
                entries.c.id,
                entries.c.effective_date,
                entries.c.description,
                entries.c.reverses_entry_id,
                postings.c.amount,
                running.label("running"),
            )
            .select_from(postings.join(entries, entries.c.id == postings.c.entry_id))
            .where(
                postings.c.account_id == account.id,
                entries.c.effective_date >= date_from,
                entries.c.effective_date <= date_to,
            )
            .order_by(entries.c.effective_date, entries.c.id)
        )
        lines = tuple(
            StatementLine(
                entry_id=row.id,
                effective_date=row.effective_date,
                description=row.description,
                amount=from_minor(row.amount, account.currency),
                running_balance=from_minor(opening + int(row.running), account.currency),
                reverses=row.reverses_entry_id,
            )
            for row in rows
        )
        closing = lines[-1].running_balance if lines else from_minor(opening, account.currency)
        return AccountStatement(
            account=account,
            date_from=date_from,
            date_to=date_to,
            opening=from_minor(opening, account.currency),
            lines=lines,
            closing=closing,
        )

    async def trial_balance(self, book: str, as_of: date | None = None) -> TrialBalance:
        """Σ debits and Σ credits of every account of ``book`` dated ≤ ``as_of``."""
        book_row = await self.book(book)
        debit = func.coalesce(
            func.sum(case((postings.c.amount > 0, postings.c.amount), else_=0)), 0
        )
        credit = func.coalesce(
            func.sum(case((postings.c.amount < 0, -postings.c.amount), else_=0)), 0
        )
        joined = postings.join(entries, entries.c.id == postings.c.entry_id)
        movement = select(
            postings.c.account_id.label("account_id"),
            debit.label("debits"),
            credit.label("credits"),
        ).select_from(joined)
        if as_of is not None:
            movement = movement.where(entries.c.effective_date <= as_of)
        sums = (
            movement.where(entries.c.book_id == book_row.id)
            .group_by(postings.c.account_id)
            .subquery()
        )
        query = (
            self.account_query()
            .add_columns(sums.c.debits, sums.c.credits)
            .outerjoin(sums, sums.c.account_id == accounts.c.id)
            .where(accounts.c.book_id == book_row.id)
            .order_by(accounts.c.code)
        )
        rows: list[TrialBalanceRow] = []
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in await self.conn.execute(query):
            account = self.account_from_row(row)
            debits, credits = int(row.debits or 0), int(row.credits or 0)
            totals[account.currency][0] += debits
            totals[account.currency][1] += credits
            rows.append(
                TrialBalanceRow(
                    account=account,
                    debits=from_minor(debits, account.currency),
                    credits=from_minor(credits, account.currency),
                )
            )
        return TrialBalance(
            book=book,
            as_of=as_of,
            rows=tuple(rows),
            totals={
                cur: (from_minor(d, cur), from_minor(c, cur)) for cur, (d, c) in totals.items()
            },
        )


def rolled_up(tb: TrialBalance) -> TrialBalance:
    """The trial balance as a reader sees it: a parent account shows its own postings plus
    those of every account below it (1002 = Σ 1002xx), so a chart never shows 0.00 for a
    parent that holds money through its sub-accounts.

    A view for people only: :meth:`LedgerReads.trial_balance` stays per account, since
    exports bring balances forward account by account and would count a sub-account
    twice. ``totals`` are unchanged (each posting is still counted once).
    """
    children: dict[str, list[str]] = defaultdict(list)
    by_code = {row.account.code: row for row in tb.rows}
    for row in tb.rows:
        if row.account.parent is not None and row.account.parent in by_code:
            children[row.account.parent].append(row.account.code)
    cache: dict[str, tuple[Money, Money]] = {}

    def total(code: str) -> tuple[Money, Money]:
        if code not in cache:
            own = by_code[code]
            debits, credits = own.debits, own.credits
            for child in children[code]:
                child_debits, child_credits = total(child)
                debits, credits = debits + child_debits, credits + child_credits
            cache[code] = (debits, credits)
        return cache[code]

    rows = tuple(TrialBalanceRow(row.account, *total(row.account.code)) for row in tb.rows)
    return TrialBalance(book=tb.book, as_of=tb.as_of, rows=rows, totals=tb.totals)
