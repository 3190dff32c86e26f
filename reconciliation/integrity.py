"""The proof a statement must pass before anything of it is stored.

Why prove before matching: a statement that does not add up — a line lost in
a download, a page missing — would make every later reconciliation explain a
difference that is really a broken file. So a statement is refused, whole,
unless:

1. **It adds up**: opening balance + Σ lines = closing balance.
2. **Its running balances agree** (where the bank prints them): each line's
   balance = the previous balance (or the opening) + the line's amount.
3. **Its lines lie within its period** and are in booking-date order.
4. **It continues its predecessor**: it opens with the closing balance of the
   account's previous statement, and not before that statement's date. Within
   one file statements of one account are chained in file order; the first
   is checked against the previous closing that the caller (the persistence
   layer) passes in.

Every break is collected, not just the first, each with the source line, the
expected and the found figure, so finance staff can show the bank exactly
where its file is wrong. Arithmetic breaks (1–3) raise
``STATEMENT_UNBALANCED``, continuity breaks (4) ``STATEMENT_DISCONTINUOUS``.

For formats without a stated opening balance (OFX, CSV exports) the opening
is derived (``opening_derived``), so check 1 holds by construction; checks 2
and 4 are then what prove the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
    """Arithmetic, running-balance and date breaks of one statement (empty: sound)."""
    breaks: list[Break] = []
    currency = statement.currency
    balance = statement.opening_minor
    previous_day = statement.opening_date
    for line in statement.lines:
        if line.currency != currency or line.account != statement.account:
            breaks.append(
                Break(
                    "foreign_line",
                    line.source_line,
                    f"{statement.account} {currency}",
                    f"{line.account} {line.currency}",
                    "line of another account or currency",
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
                    "running balance does not follow from the previous one and the amount",
                )
            )
            balance = line.running_balance_minor  # report each break once, not every later line
        if line.booking_date < previous_day:
            kind = "before_opening" if previous_day == statement.opening_date else "date_order"
            breaks.append(
                Break(
                    kind,
                    line.source_line,
                    f"on or after {previous_day.isoformat()}",
                    line.booking_date.isoformat(),
                    "line booked out of order or before the statement opens",
                )
            )
        if line.booking_date > statement.closing_date:
            breaks.append(
                Break(
                    "after_closing",
                    line.source_line,
                    f"on or before {statement.closing_date.isoformat()}",
                    line.booking_date.isoformat(),
                    "line booked after the statement's closing date",
                )
            )
        previous_day = max(previous_day, line.booking_date)
    expected_closing = statement.opening_minor + sum(line.amount_minor for line in statement.lines)
    if expected_closing != statement.closing_minor:
        breaks.append(
            Break(
                "closing_balance",
                None,
                _money(expected_closing, currency),
                _money(statement.closing_minor, currency),
                "opening balance + lines ≠ closing balance",
            )
        )
    if statement.closing_date < statement.opening_date:
        breaks.append(
            Break(
                "period",
                None,
                f"on or after {statement.opening_date.isoformat()}",
                statement.closing_date.isoformat(),
                "statement closes before it opens",
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
    return [
        Break(b.kind, b.line, b.expected, b.found, f"{statement.statement_id}: {b.message}")
        for b in breaks
    ]


def _raise(arithmetic: tuple[Break, ...], continuity: tuple[Break, ...]) -> None:
    if arithmetic:
        raise StatementError(
            ErrorCode.STATEMENT_UNBALANCED,
            "; ".join(str(b) for b in arithmetic[:5]),
            line=arithmetic[0].line,
            breaks=arithmetic + continuity,
        )
    if continuity:
        raise StatementError(
            ErrorCode.STATEMENT_DISCONTINUOUS,
            "; ".join(str(b) for b in continuity[:5]),
            breaks=continuity,
        )
