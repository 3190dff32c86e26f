"""The reconciliation report for a date, and its 银行存款余额调节表.

Why the adjustment table: it is the form in which Chinese finance staff and
auditors prove that the books agree with the bank. Both balances are brought
to what they would be if each side had booked everything the other has:

    book balance (企业银行存款日记账余额)
      + received by the bank, not yet booked (银行已收、企业未收)
      − paid by the bank, not yet booked (银行已付、企业未付)
    = adjusted book balance

    bank balance (银行对账单余额)
      + booked receipts not yet at the bank (企业已收、银行未收)
      − booked payments not yet at the bank (企业已付、银行未付)
    = adjusted bank balance

The two adjusted balances must be equal; if they are not, the table shows the
difference instead of hiding it — that difference is what must be explained.

What counts as reconciled as of the date: a match that is confirmed (by a
person, or auto-confirmed because it is exact) and all of whose lines and
postings are dated on or before the date. Everything else on or before the
date is outstanding, with its age in days; proposals awaiting confirmation are
listed separately and their items stay outstanding until confirmed. A match
whose bank side is dated before the date and ledger side after it is a timing
difference and shows as outstanding on that date — as it should.

Reversals (冲正): a bank line flagged as reversal is paired with the original
it reverses (opposite amount, on or before it, preferring the same end-to-end
id, then bank reference, then counterparty, then the nearest date); a ledger
posting of an entry that ``reverses`` another is paired with that entry's
posting. When both halves of a pair are outstanding they cancel out and are
shown as a pair rather than as two outstanding items; they change neither
adjusted balance.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from moneyed import Money

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.money import from_minor, to_minor
from riskpool.reconciliation.matching import LedgerItem, Match
from riskpool.reconciliation.model import Statement, StatementLine


@dataclass(frozen=True, slots=True)
class OutstandingLine:
    """A bank line not reconciled as of the report date; ``age_days`` since booking."""

    line: StatementLine
    age_days: int


@dataclass(frozen=True, slots=True)
class OutstandingItem:
    """A ledger posting not reconciled as of the report date; ``age_days`` since its date."""

    item: LedgerItem
    age_days: int


@dataclass(frozen=True, slots=True)
class BankReversal:
    """A 冲正 line and the line it reverses (``None`` if no original was found).

    ``cancelled`` is true when both are outstanding and therefore net out.
    """

    reversal: StatementLine
    original: StatementLine | None
    cancelled: bool


@dataclass(frozen=True, slots=True)
class BookReversal:
    """A reversing posting and the posting of the entry it reverses."""

    reversal: LedgerItem
    original: LedgerItem | None
    cancelled: bool


@dataclass(frozen=True, slots=True)
class AdjustmentTable:
    """银行存款余额调节表 as of a date (all amounts in the account's currency).

    The two deductions are shown as positive magnitudes, as on the printed form.
    """

    as_of: date
    book_balance: Money
    bank_received_not_booked: Money
    bank_paid_not_booked: Money
    adjusted_book_balance: Money
    bank_balance: Money
    booked_received_not_at_bank: Money
    booked_paid_not_at_bank: Money
    adjusted_bank_balance: Money
    difference: Money
    """adjusted book − adjusted bank; zero when the table balances."""

    @property
    def balanced(self) -> bool:
        return bool(self.difference.amount == 0)


@dataclass(frozen=True, slots=True)
class ReconciliationReport:
    as_of: date
    table: AdjustmentTable
    matched: tuple[Match, ...]
    open_proposals: tuple[Match, ...]
    unmatched_lines: tuple[OutstandingLine, ...]
    unmatched_items: tuple[OutstandingItem, ...]
    bank_reversals: tuple[BankReversal, ...]
    book_reversals: tuple[BookReversal, ...]


def bank_balance_on(statements: Iterable[Statement], day: date) -> Money:
    """The bank balance at the end of ``day``, from proved, continuous statements.

    Takes the latest statement opening on or before ``day`` and adds its lines
    booked on or before ``day``. ``NOT_FOUND`` if no statement covers the day.
    """
    candidates = [s for s in statements if s.opening_date <= day]
    if not candidates:
        raise RiskpoolError(ErrorCode.NOT_FOUND, f"no statement opens on or before {day}")
    statement = max(candidates, key=lambda s: (s.opening_date, s.closing_date))
    units = statement.opening_minor + sum(
        line.amount_minor for line in statement.lines if line.booking_date <= day
    )
    return from_minor(units, statement.currency)


def _pair_bank_reversals(
    lines: Sequence[StatementLine],
) -> list[tuple[StatementLine, StatementLine | None]]:
    originals: dict[tuple[str, int], list[StatementLine]] = {}
    for line in lines:
        if not line.is_reversal:
            originals.setdefault((line.currency, line.amount_minor), []).append(line)
    used: set[str] = set()
    pairs: list[tuple[StatementLine, StatementLine | None]] = []
    for reversal in sorted(
        (line for line in lines if line.is_reversal),
        key=lambda line: (line.booking_date, line.dedup_key),
    ):
        best: tuple[int, int, int, int, str] | None = None
        chosen: StatementLine | None = None
        for original in originals.get((reversal.currency, -reversal.amount_minor), ()):
            if original.dedup_key in used or original.booking_date > reversal.booking_date:
                continue
            rank = (
                0
                if reversal.end_to_end_id and original.end_to_end_id == reversal.end_to_end_id
                else 1,
                0
                if reversal.bank_reference and original.bank_reference == reversal.bank_reference
                else 1,
                0
                if reversal.counterparty_name
                and original.counterparty_name == reversal.counterparty_name
                else 1,
                (reversal.booking_date - original.booking_date).days,
                original.dedup_key,
            )
            if best is None or rank < best:
                best, chosen = rank, original
        if chosen is not None:
            used.add(chosen.dedup_key)
        pairs.append((reversal, chosen))
    return pairs


def build_report(
    as_of: date,
    *,
    book_balance: Money,
    bank_balance: Money,
    lines: Iterable[StatementLine],
    items: Iterable[LedgerItem],
    matches: Iterable[Match],
    confirmed: Collection[str] = (),
) -> ReconciliationReport:
    """The report as of ``as_of`` (pure: everything it needs is passed in).

    ``book_balance`` is the ledger's cash account balance at the end of the
    day, ``bank_balance`` the bank's (see :func:`bank_balance_on`); ``lines``
    and ``items`` are all lines and postings of the account up to at least
    ``as_of`` (later ones are ignored); ``matches`` all matches made so far,
    ``confirmed`` the keys of those a person confirmed.
    """
    currency = book_balance.currency.code
    if bank_balance.currency.code != currency:
        raise RiskpoolError(ErrorCode.CURRENCY_MISMATCH, "book and bank balance currencies differ")
    lines_in = {line.dedup_key: line for line in lines if line.booking_date <= as_of}
    items_in = {item.posting_seq: item for item in items if item.date <= as_of}
    for line in lines_in.values():
        if line.currency != currency:
            raise RiskpoolError(
                ErrorCode.CURRENCY_MISMATCH, f"line {line.dedup_key} in {line.currency}"
            )
    for item in items_in.values():
        if item.currency != currency:
            raise RiskpoolError(
                ErrorCode.CURRENCY_MISMATCH, f"posting {item.posting_seq} in {item.currency}"
            )

    reconciled_lines: set[str] = set()
    reconciled_items: set[int] = set()
    matched: list[Match] = []
    proposals: list[Match] = []
    for candidate in matches:
        in_range = all(k in lines_in for k in candidate.line_keys) and all(
            s in items_in for s in candidate.posting_seqs
        )
        touches = any(k in lines_in for k in candidate.line_keys) or any(
            s in items_in for s in candidate.posting_seqs
        )
        if candidate.auto_confirmable or candidate.key in confirmed:
            if in_range:
                matched.append(candidate)
                reconciled_lines.update(candidate.line_keys)
                reconciled_items.update(candidate.posting_seqs)
        elif touches:
            proposals.append(candidate)

    open_lines = {k: line for k, line in lines_in.items() if k not in reconciled_lines}
    open_items = {s: item for s, item in items_in.items() if s not in reconciled_items}

    bank_reversals: list[BankReversal] = []
    for reversal, original in _pair_bank_reversals(list(lines_in.values())):
        cancelled = (
            original is not None
            and reversal.dedup_key in open_lines
            and original.dedup_key in open_lines
        )
        if cancelled and original is not None:
            del open_lines[reversal.dedup_key], open_lines[original.dedup_key]
        bank_reversals.append(BankReversal(reversal, original, cancelled))

    book_reversals: list[BookReversal] = []
    by_entry: dict[int, list[LedgerItem]] = {}
    for item in items_in.values():
        by_entry.setdefault(item.entry_id, []).append(item)
    paired: set[int] = set()
    for item in sorted(items_in.values(), key=lambda i: (i.date, i.posting_seq)):
        if item.reverses is None:
            continue
        original_item = next(
            (
                o
                for o in sorted(by_entry.get(item.reverses, ()), key=lambda i: i.posting_seq)
                if o.amount_minor == -item.amount_minor and o.posting_seq not in paired
            ),
            None,
        )
        cancelled = (
            original_item is not None
            and item.posting_seq in open_items
            and original_item.posting_seq in open_items
        )
        if original_item is not None:
            paired.add(original_item.posting_seq)
            if cancelled:
                del open_items[item.posting_seq], open_items[original_item.posting_seq]
        book_reversals.append(BookReversal(item, original_item, cancelled))

    received_not_booked = sum(l.amount_minor for l in open_lines.values() if l.amount_minor > 0)  # noqa: E741
    paid_not_booked = -sum(l.amount_minor for l in open_lines.values() if l.amount_minor < 0)  # noqa: E741
    booked_received = sum(i.amount_minor for i in open_items.values() if i.amount_minor > 0)
    booked_paid = -sum(i.amount_minor for i in open_items.values() if i.amount_minor < 0)
    book_units = to_minor(book_balance)
    bank_units = to_minor(bank_balance)
    adjusted_book = book_units + received_not_booked - paid_not_booked
    adjusted_bank = bank_units + booked_received - booked_paid

    def money(units: int) -> Money:
        return from_minor(units, currency)

    table = AdjustmentTable(
        as_of=as_of,
        book_balance=money(book_units),
        bank_received_not_booked=money(received_not_booked),
        bank_paid_not_booked=money(paid_not_booked),
        adjusted_book_balance=money(adjusted_book),
        bank_balance=money(bank_units),
        booked_received_not_at_bank=money(booked_received),
        booked_paid_not_at_bank=money(booked_paid),
        adjusted_bank_balance=money(adjusted_bank),
        difference=money(adjusted_book - adjusted_bank),
    )
    return ReconciliationReport(
        as_of=as_of,
        table=table,
        matched=tuple(matched),
        open_proposals=tuple(proposals),
        unmatched_lines=tuple(
            OutstandingLine(line, (as_of - line.booking_date).days)
            for line in sorted(open_lines.values(), key=lambda l: (l.booking_date, l.dedup_key))  # noqa: E741
        ),
        unmatched_items=tuple(
            OutstandingItem(item, (as_of - item.date).days)
            for item in sorted(open_items.values(), key=lambda i: (i.date, i.posting_seq))
        ),
        bank_reversals=tuple(bank_reversals),
        book_reversals=tuple(book_reversals),
    )
