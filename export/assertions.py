"""Balance assertions from the bank: proved statements' closing balances, for the export.

Why only the statements that agree with the ledger: a beancount ``balance``
directive that fails makes the file fail ``bean-check``. A statement whose
closing balance differs from the ledger's cash on that day is not an error of
the export but a reconciling item (a fee not yet booked, a credit in transit),
and it is explained where it belongs — in the reconciliation report's
银行存款余额调节表. So the export asserts every statement that agrees, and
lists the others in its summary so nobody mistakes an omission for a check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from moneyed import Money

from riskpool.db import Database
from riskpool.export.builder import BalanceAssertion
from riskpool.ledger.store import LedgerStore
from riskpool.reconciliation.service import ReconciliationService


@dataclass(frozen=True, slots=True)
class StatementAssertions:
    assertions: tuple[BalanceAssertion, ...]
    disagreeing: tuple[tuple[str, date, Money, Money], ...]
    """(statement id, closing date, bank balance, ledger balance) of those left out."""


async def statement_assertions(
    db: Database, reconciliation: ReconciliationService, book: str | None
) -> StatementAssertions:
    """Assertions for ``book`` (empty unless it holds a registered bank account's mirror).

    ``None`` stands for every book (the combined file); each assertion names
    its book, so it is placed in the right one.
    """
    agreed: list[BalanceAssertion] = []
    disagreeing: list[tuple[str, date, Money, Money]] = []
    for account in await reconciliation.accounts():
        if book is not None and book != account.book:
            continue
        closings = await reconciliation.statement_closings(account.number)
        async with db.transaction(write=False) as conn:
            ledger = LedgerStore(conn)
            for statement_id, day, bank in closings:
                booked = await ledger.balance(account.book, account.ledger_account, as_of=day)
                if booked == bank:
                    agreed.append(
                        BalanceAssertion(
                            account=account.ledger_account,
                            day=day,
                            amount=bank,
                            reference=statement_id,
                            book=account.book,
                        )
                    )
                else:
                    disagreeing.append((statement_id, day, bank, booked))
    return StatementAssertions(tuple(agreed), tuple(disagreeing))
