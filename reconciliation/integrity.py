"""The proof a statement must pass before anything of it is stored.

Why prove before matching: a statement that does not add up — a line lost in
a download, a page missing — would make every later reconciliation explain a
difference that is really a broken file. So a statement is refused, whole,
unless:

1. **It adds up**: opening balance + Σ lines = closing balance.
2. **Its running balances agree** (where the bank prints them): each line's
   balance = the previous balance (or the opening) + the line's amount.
3. **No line is booked after its closing date**, and it does not close
   before it opens. The order of the lines is *not* part of the proof (the
   sum holds in any order; ING lists newest first, camt.053 files follow no
   order), and neither is a line booked before the opening balance's date
   (banks date ``:60F:`` at the period's end, or book back-valued lines).
4. **It continues its predecessor**: it opens with the closing balance of the
   account's previous statement, and not before that statement's date. Within
   one file statements of one account are chained in file order; the first
   is checked against the previous closing that the caller (the persistence
   layer) passes in.

Every break is collected, not just the first, each with the source line, the
expected and the found figure, so finance staff can show the bank exactly
where its file is wrong. Each kind of break has its own code, so the code
alone tells the clerk what to ask the bank: the sums differ (1)
``STATEMENT_UNBALANCED``; a running balance disagrees (2)
``STATEMENT_RUNNING_BALANCE``; a line outside the period (3)
``STATEMENT_OUT_OF_PERIOD``; continuity breaks (4)
``STATEMENT_DISCONTINUOUS``. A file with several kinds is refused with the
gravest (in that order) and lists every break.

For formats without a stated opening balance (OFX, CSV exports) the opening
is derived (``opening_derived``), so check 1 holds by construction; checks 2
and 4 are then what prove the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from moneyed import Money

from riskpool.errors import ErrorCode
from riskpool.ledger.money import from_minor, to_minor
from riskpool.reconciliation.errors import Break, StatementError
from riskpool.reconciliation.model import Statement, StatementFile


@dataclass(frozen=True, slots=True)
class ClosingPoint:
    """Where an account's previous statement ended: its closing balance and date."""

    balance: Money
    date: date


def _money(units: int, currency: str) -> str:
    return f"{from_minor(units, currency).amount} {currency}"


def check_statement(statement: Statement) -> tuple[Break, ...]:
    """Arithmetic, running-balance and period breaks of one statement (empty: sound).

    The order of the lines is not part of the proof: the sum does not depend
    on it, and a bank may list lines in any order (newest first, by value
    date …). Running balances, where the bank prints them, are checked in the
    order the parser settled on (the order the balances themselves chain in).
    """
    breaks: list[Break] = []
    currency = statement.currency
    balance = statement.opening_minor
    for line in statement.lines:
        if line.currency != currency or line.account != statement.account:
            breaks.append(
                Break(
                    "foreign_line",
                    line.source_line,
                    f"{statement.account} {currency}",
                    f"{line.account} {line.currency}",
                    "every line belongs to the statement's account and currency",
                )
            )
        balance += line.amount_minor
        if line.running_balance_minor is not None and line.running_balance_minor != balance:
            breaks.append(
                Break(
                    "running_balance",
                    line.source_line,
                    _money(balance, currency),
                    _money(line.running_balance_minor, currency),
                    "a running balance must equal the previous balance plus the line's amount",
                )
            )
            balance = line.running_balance_minor  # report each break once, not every later line
        if line.booking_date > statement.closing_date:
            breaks.append(
                Break(
                    "after_closing",
                    line.source_line,
                    f"on or before {statement.closing_date.isoformat()}",
                    line.booking_date.isoformat(),
                    "a line cannot be booked after the statement's closing date",
                )
            )
    expected_closing = statement.opening_minor + sum(line.amount_minor for line in statement.lines)
    if expected_closing != statement.closing_minor:
        breaks.append(
            Break(
                "closing_balance",
                None,
                _money(expected_closing, currency),
                _money(statement.closing_minor, currency),
                "opening balance + Σ lines must equal the closing balance",
            )
        )
    if statement.closing_date < statement.opening_date:
        breaks.append(
            Break(
                "period",
                None,
                f"on or after {statement.opening_date.isoformat()}",
                statement.closing_date.isoformat(),
                "a statement cannot close before it opens",
            )
        )
    return tuple(breaks)


def check_continuity(statement: Statement, previous: ClosingPoint) -> tuple[Break, ...]:
    """Breaks between ``statement`` and where the account's previous statement ended."""
    breaks: list[Break] = []
    if previous.balance.currency.code != statement.currency:
        return (
            Break(
                "currency",
                None,
                previous.balance.currency.code,
                statement.currency,
                "statement in another currency than its predecessor",
            ),
        )
    previous_units = to_minor(previous.balance)
    if statement.opening_minor != previous_units:
        breaks.append(
            Break(
                "opening_balance",
                None,
                _money(previous_units, statement.currency),
                _money(statement.opening_minor, statement.currency),
                "statement does not open with the previous statement's closing balance",
            )
        )
    if statement.opening_date < previous.date:
        breaks.append(
            Break(
                "opening_date",
                None,
                f"on or after {previous.date.isoformat()}",
                statement.opening_date.isoformat(),
                "statement opens before the previous statement closed",
            )
        )
    return tuple(breaks)


def prove_statement(statement: Statement, previous: ClosingPoint | None = None) -> None:
    """Raise unless ``statement`` is sound and (if given) continues ``previous``."""
    _raise(check_statement(statement), check_continuity(statement, previous) if previous else ())


def prove_file(
    file: StatementFile, previous: Mapping[str, ClosingPoint] | None = None
) -> dict[str, ClosingPoint]:
    """Prove every statement of ``file``; return where each account now ends.

    ``previous`` maps an account to its last stored closing point (absent:
    the account's first statement, accepted as it opens). Statements of one
    account are chained in file order. Nothing is returned unless the whole
    file is sound, so the caller stores all of it or nothing.
    """
    arithmetic: list[Break] = []
    continuity: list[Break] = []
    ends: dict[str, ClosingPoint] = dict(previous or {})
    for statement in file.statements:
        arithmetic.extend(_labelled(statement, check_statement(statement)))
        before = ends.get(statement.account)
        if before is not None:
            continuity.extend(_labelled(statement, check_continuity(statement, before)))
        ends[statement.account] = ClosingPoint(statement.closing, statement.closing_date)
    _raise(tuple(arithmetic), tuple(continuity))
    touched = {statement.account for statement in file.statements}
    return {account: point for account, point in ends.items() if account in touched}


def _labelled(statement: Statement, breaks: Iterable[Break]) -> list[Break]:
    return [replace(b, statement=statement.statement_id) for b in breaks]


_CODE_OF_BREAK = {
    "closing_balance": ErrorCode.STATEMENT_UNBALANCED,
    "running_balance": ErrorCode.STATEMENT_RUNNING_BALANCE,
    "after_closing": ErrorCode.STATEMENT_OUT_OF_PERIOD,
    "period": ErrorCode.STATEMENT_OUT_OF_PERIOD,
    "foreign_line": ErrorCode.STATEMENT_INVALID,
}
"""Each kind of break has its own code; ``STATEMENT_UNBALANCED`` only when the sums differ."""
_PRECEDENCE = (
    ErrorCode.STATEMENT_UNBALANCED,
    ErrorCode.STATEMENT_RUNNING_BALANCE,
    ErrorCode.STATEMENT_OUT_OF_PERIOD,
    ErrorCode.STATEMENT_INVALID,
)


def _raise(arithmetic: tuple[Break, ...], continuity: tuple[Break, ...]) -> None:
    """Refuse with the code of the gravest break, listing every break found.

    The message leads with the breaks of that code (up to five), each naming
    its rule, statement and line; ``breaks`` carries all of them.
    """
    if arithmetic:
        codes = {_CODE_OF_BREAK.get(b.kind, ErrorCode.STATEMENT_INVALID) for b in arithmetic}
        code = next(c for c in _PRECEDENCE if c in codes)
        leading = [
            b for b in arithmetic if _CODE_OF_BREAK.get(b.kind, ErrorCode.STATEMENT_INVALID) is code
        ]
        more = len(arithmetic) + len(continuity) - min(len(leading), 5)
        raise StatementError(
            code,
            "; ".join(str(b) for b in leading[:5]) + (f"; and {more} more" if more > 0 else ""),
            line=leading[0].line,
            breaks=arithmetic + continuity,
        )
    if continuity:
        raise StatementError(
            ErrorCode.STATEMENT_DISCONTINUOUS,
            "; ".join(str(b) for b in continuity[:5]),
            breaks=continuity,
        )
