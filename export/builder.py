"""Ledger records → beancount directives: pure functions, no database, no I/O.

Why pure: the same translation serves the CLI (streamed from the database),
the GraphQL export for auditors and the tests, and it can be checked on
records built in memory. :class:`BeancountBuilder` holds what every directive
needs (the book, its accounts and their beancount names) and turns one ledger
record at a time into beancount's own data types; :func:`build_directives`
assembles a whole file in memory for callers that have everything at hand.

What the file says, and why:

* **Sign.** The ledger is debit-positive, which is beancount's convention
  (assets positive; liabilities, net assets and income negative), so every
  amount carries over unchanged, as the exact ``Decimal`` of its ``Money``.
* **Accounts.** One ``open`` per ledger account, named by
  :mod:`riskpool.export.naming`: code first, then the Chinese name, each
  sub-account under its parent (``…:1002-银行存款:100201-…``) so Fava's tree
  rolls up; the exact name, code, parent, type and balance flags in metadata.
  A closed account gets a ``close`` on its closing date (beancount sorts a
  ``close`` after that day's transactions, matching the ledger, where the
  closing day is the last usable one).
* **Entries.** One transaction per journal entry: narration = description,
  payee = the entry metadata's ``payee`` if any, and metadata tying it to the
  ledger — ``entry_id``, ``idempotency_key``, ``entry_hash``, ``booked_at``,
  ``actor`` — plus the domain ids (``claim_id``, ``loan_id``,
  ``institution_id``) and every other metadata key the entry carries. Each
  posting carries its account chain position (``seq``) and ``prev_hash``, the
  hash of the entry holding that account's previous posting, so the per-account
  hash chains can be followed in the file (:mod:`riskpool.ledger.hashing`).
* **Links.** Business references, as the entry's metadata carries them:
  ``^claim-<claim no.>``, ``^contract-<loan contract no.>`` (``^loan-<id>``
  only when the entry carries no contract number) group an entry with the
  others of the same claim or loan; a reversal and the entry it reverses both
  carry ``^entry-<original id>``, and ``reverses:``/``reversed_by:`` metadata.
* **Several books.** A builder for several books (the combined file) names
  each book's accounts under its own book component; entries, balances
  brought forward and assertions say which book they belong to.
* **Options.** A title, the operating currency (CNY first), beancount's
  ``render_commas`` and Fava's ``fava-option`` entries (Chinese interface,
  Chinese number format with thousands separators), so the file opens the
  same way for every auditor without a separate configuration.
* **Period exports** open with one ``S``-flagged (beancount's "summarize"
  flag) transaction per account that had a balance the day before the period,
  against ``Equity:<BOOK>:Opening-Balances`` — the same shape beancount's own
  ``summarize`` produces — so the file validates on its own and that equity
  account nets to zero in a sound book.
* **Balance assertions.** A statement's closing balance of day D is asserted
  on D+1 (beancount checks a ``balance`` at the *start* of its date). The
  ledger's own closing balances are asserted the day after the period too, so
  ``bean-check`` alone proves the file agrees with the ledger. Every
  assertion is exact (``~ 0.00``), not beancount's default one-unit tolerance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from beancount.core import amount, data, display_context, flags
from moneyed import Money

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.export import naming
from riskpool.export.printing import display_context_for, option_line
from riskpool.ledger.hashing import canonical_json, utc_timestamp
from riskpool.ledger.model import Account, Book, JournalEntry, TrialBalance
from riskpool.ledger.money import currency_exponent

#: Ledger-metadata keys promoted to links as well as metadata (key → link kind).
LINKED_KEYS: dict[str, str] = {"claim_id": "claim", "contract_no": "contract", "loan_id": "loan"}

#: A key linked only when the entry lacks the business reference that replaces
#: it: the loan's internal id gives way to its contract number.
SUPERSEDED_BY: dict[str, str] = {"loan_id": "contract_no"}

#: Fava's options (``custom "fava-option"``), written into every file: the
#: interface in Chinese and numbers in the Chinese format, with thousands
#: separators (``1,234,567.89``).
FAVA_OPTIONS: tuple[tuple[str, str], ...] = (("language", "zh_CN"), ("locale", "zh_CN"))

#: Metadata keys the export writes itself; a ledger key of the same name
#: goes into ``ledger_metadata`` instead of overwriting one of these.
RESERVED_KEYS = frozenset(
    {
        "entry_id",
        "idempotency_key",
        "entry_hash",
        "booked_at",
        "actor",
        "reverses",
        "reversed_by",
        "ledger_metadata",
        "filename",
        "lineno",
    }
)

#: Tolerance written on every ``balance`` (``~ 0.00``): without it beancount
#: infers one unit of the last digit (0.01 CNY) and would let a one-fen
#: discrepancy pass; the ledger's amounts are exact, so the assertions are too.
EXACT = Decimal(0)

LEDGER_SOURCE = "ledger"
STATEMENT_SOURCE = "bank statement"


@dataclass(frozen=True, slots=True)
class BalanceAssertion:
    """A proved closing balance to assert in the export.

    ``day`` is the statement's date: the balance at the *end* of that day. It
    is written as beancount's ``balance`` on ``day + 1``. ``amount`` is the
    account's balance *with its sub-accounts* (what beancount checks).
    ``reference`` names the statement (written as metadata).
    """

    account: str
    day: date
    amount: Money
    reference: str | None = None
    source: str = STATEMENT_SOURCE
    book: str | None = None
    """The account's book; may be left out when the file holds one book only."""


@dataclass(frozen=True, slots=True)
class Period:
    """The dates an export covers, both inclusive; ``None`` means unbounded."""

    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise RiskpoolError(ErrorCode.VALIDATION, "--from is after --to", field="dateFrom")

    def contains(self, day: date) -> bool:
        return (self.date_from is None or day >= self.date_from) and (
            self.date_to is None or day <= self.date_to
        )

    @property
    def opening_day(self) -> date | None:
        """The day whose closing balances are brought forward (``from − 1``)."""
        return self.date_from - timedelta(days=1) if self.date_from else None

    def label(self) -> str:
        start = self.date_from.isoformat() if self.date_from else "…"
        end = self.date_to.isoformat() if self.date_to else "…"
        return "all entries" if not (self.date_from or self.date_to) else f"{start} – {end}"


def metadata_value(value: Any) -> str | Decimal | bool:
    """A ledger metadata value (JSON) as a beancount metadata value.

    Strings stay strings, integers become ``Decimal`` (beancount's numbers),
    booleans stay booleans; lists and objects are written as canonical JSON
    text so nothing is lost.
    """
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return canonical_json(value).decode("utf-8")


@lru_cache(maxsize=4_096)
def _timestamp(moment: datetime) -> str:
    """``booked_at`` as text; entries of one batch share it, so it is cached."""
    return utc_timestamp(moment)


_NO_NAMES: frozenset[str] = frozenset()

# What :meth:`BeancountBuilder.transaction` does with a ledger-metadata key
# (besides copying it): ``_key_kind`` decides once per distinct key.
_PLAIN_KEY = "plain"  # a valid beancount key, nothing else to do
_EXTRA_KEY = "extra"  # reserved or not a beancount key: into ``ledger_metadata``
_LINKED_KEY = "linked"  # claim_id/loan_id: a link as well
_PAYEE_KEY = "payee"  # the payee as well
_REVERSES_KEY = "reverses"  # reserved, skipped when it repeats the entry's column
_KEY_KINDS: dict[str, str] = {}


def _key_kind(key: str) -> str:
    if key == "reverses":
        kind = _REVERSES_KEY
    elif key in RESERVED_KEYS or not naming.is_metadata_key(key):
        kind = _EXTRA_KEY
    elif key in LINKED_KEYS:
        kind = _LINKED_KEY
    elif key == "payee":
        kind = _PAYEE_KEY
    else:
        kind = _PLAIN_KEY
    if len(_KEY_KINDS) < 4_096:
        _KEY_KINDS[key] = kind
    return kind


def _json_text(value: Any) -> str:
    """``canonical_json(value)`` as text; an ``int`` (not ``bool``) without the encoder."""
    if type(value) is int:
        return str(value)  # what the JSON encoder writes for an int
    return canonical_json(value).decode()


class BeancountBuilder:
    """Translates one book's ledger records — or several books' — into beancount directives.

    Given one :class:`Book` it writes that book's file; given a sequence of
    books, the combined file of all of them (their components must differ:
    :func:`riskpool.export.naming.require_distinct`).
    """

    def __init__(
        self,
        book: Book | Sequence[Book],
        accounts: Sequence[Account],
        *,
        chain_metadata: bool = True,
    ) -> None:
        self.combined = not isinstance(book, Book)
        self.books: list[Book] = [book] if isinstance(book, Book) else list(book)
        if not self.books:
            raise ValueError("an export needs at least one book")
        naming.require_distinct(self.books)
        self.chain_metadata = chain_metadata
        by_book = {b.code: b for b in self.books}
        self.accounts = sorted(accounts, key=lambda a: (a.book, a.code))
        for account in self.accounts:
            if account.book not in by_book:
                raise ValueError(f"account {account.book}:{account.code} is in no exported book")
        self.by_code: dict[str, dict[str, Account]] = {b.code: {} for b in self.books}
        for account in self.accounts:
            self.by_code[account.book][account.code] = account
        #: ``{book code: {account code: beancount name}}``.
        self.names: dict[str, dict[str, str]] = {
            b.code: naming.account_names(b, list(self.by_code[b.code].values())) for b in self.books
        }
        self.opening_accounts = {b.code: naming.opening_balances_account(b) for b in self.books}
        self.currencies = sorted({a.currency for a in self.accounts})
        self.context: display_context.DisplayContext = display_context_for(
            {c: currency_exponent(c) for c in self.currencies}
        )

    @property
    def book(self) -> Book:
        """The book of a one-book builder (the first book of a combined one)."""
        return self.books[0]

    # -- header -------------------------------------------------------------------

    def label(self) -> str:
        """What the file holds: ``科技贷风险补偿资金池 (POOL)`` or all the books."""
        if not self.combined:
            return f"{self.book.name} ({self.book.code})"
        return f"全部账簿 all books ({', '.join(b.code for b in self.books)})"

    def title(self, period: Period) -> str:
        return f"{self.label()} — {period.label()}"

    def header(self, period: Period) -> str:
        """The option lines and a comment saying what the file is (no timestamp)."""
        what = "all books" if self.combined else f"book {self.book.code}"
        lines = [
            f";; riskpool export of {what}: {period.label()}\n",
            ";; Generated from the ledger; check with bean-check, browse with fava.\n",
            option_line("title", self.title(period)),
        ]
        # The book's main currency first (CNY for the fund), then the others.
        ordered = sorted(self.currencies or ["CNY"], key=lambda c: (c != "CNY", c))
        lines.extend(option_line("operating_currency", currency) for currency in ordered)
        lines.append(option_line("render_commas", "TRUE"))
        return "".join(lines)

    def fava_options(self, day: date) -> list[data.Custom]:
        """Fava's options (:data:`FAVA_OPTIONS`) as ``custom "fava-option"`` entries."""
        return [
            data.Custom({}, day, "fava-option", [(name, str), (value, str)])
            for name, value in FAVA_OPTIONS
        ]

    def export_info(self, period: Period, first_day: date) -> data.Custom:
        """``custom "riskpool-export"``: the book(s) and period, machine-readable."""
        scope = "ALL" if self.combined else naming.book_component(self.book)
        values: list[tuple[Any, Any]] = [(scope, str)]
        for day in (period.date_from, period.date_to):
            values.append((day, date) if day else ("", str))
        meta: dict[str, Any] = {
            "book": ",".join(b.code for b in self.books),
            "book_name": "、".join(b.name for b in self.books),
        }
        return data.Custom(meta, first_day, "riskpool-export", values)

    # -- accounts -----------------------------------------------------------------

    def visible_accounts(self, period: Period) -> list[Account]:
        """Accounts opened by the end of the period (all of them when unbounded)."""
        return [a for a in self.accounts if period.date_to is None or a.opened_on <= period.date_to]

    def open_directive(self, account: Account) -> data.Open:
        meta: dict[str, Any] = {
            "name": account.name,
            "code": account.code,
            "type": account.type.value,
        }
        if self.combined:
            meta["book"] = account.book
        if account.parent is not None:
            meta["parent"] = account.parent
        if account.credits_must_not_exceed_debits:
            meta["no_overdraft"] = True
        if account.debits_must_not_exceed_credits:
            meta["no_overcredit"] = True
        return data.Open(
            meta,
            account.opened_on,
            self.names[account.book][account.code],
            [account.currency],
            None,
        )

    def close_directive(self, account: Account) -> data.Close | None:
        if account.closed_on is None:
            return None
        day = account.closed_on
        if day <= account.opened_on:  # beancount wants close strictly after open
            day = account.opened_on + timedelta(days=1)
        return data.Close(
            {"closed_on": account.closed_on}, day, self.names[account.book][account.code]
        )

    def opening_balances_open(self, book: str, day: date) -> data.Open:
        meta: dict[str, Any] = {"name": "期初余额结转 opening balances brought forward"}
        currencies = sorted({a.currency for a in self.by_code[book].values()})
        return data.Open(meta, day, self.opening_accounts[book], currencies, None)

    # -- balances brought forward -------------------------------------------------

    def opening_transactions(
        self, balances: TrialBalance, period: Period
    ) -> list[data.Transaction]:
        """One summarize-flagged transaction per account with a balance on ``from − 1``."""
        opening_day = period.opening_day
        if opening_day is None:
            return []
        result = []
        for row in sorted(balances.rows, key=lambda r: r.account.code):
            units = row.balance.amount
            if not units:
                continue
            account = row.account
            name = self.names[account.book][account.code]
            day = opening_day
            if account.closed_on is not None and account.closed_on < day:
                day = account.closed_on  # beancount refuses postings after a close
            meta: dict[str, Any] = {"brought_forward": True, "as_of": opening_day}
            postings = [
                data.Posting(name, amount.Amount(units, account.currency), None, None, None, None),
                data.Posting(
                    self.opening_accounts[account.book],
                    amount.Amount(-units, account.currency),
                    None,
                    None,
                    None,
                    None,
                ),
            ]
            result.append(
                data.Transaction(
                    meta,
                    day,
                    flags.FLAG_SUMMARIZE,
                    None,
                    f"期初余额 Opening balance of {account.code} {account.name}",
                    frozenset({"opening-balance"}),
                    frozenset(),
                    postings,
                )
            )
        return result

    # -- entries ------------------------------------------------------------------

    def transaction(self, entry: JournalEntry, reversed_by: int | None = None) -> data.Transaction:
        """The journal entry as a beancount transaction (see the module docstring).

        This runs once per entry of a million-posting export, so the per-key
        and per-posting work is cut to what varies: key checks are cached
        (:func:`_key_kind`), integers become text without the JSON encoder,
        and a transaction without tags or links shares one empty set.
        """
        meta: dict[str, Any] = {
            "entry_id": Decimal(entry.id),
            "idempotency_key": entry.idempotency_key,
            "entry_hash": entry.entry_hash,
            "booked_at": _timestamp(entry.booked_at),
            "actor": entry.actor,
        }
        links: set[str] | None = None
        tags: set[str] | None = None
        reverses = entry.reverses
        if reverses is not None:
            meta["reverses"] = Decimal(reverses)
            links = {naming.link("entry", str(reverses))}
            tags = {"reversal"}
        if reversed_by is not None:
            meta["reversed_by"] = Decimal(reversed_by)
            links = links or set()
            links.add(naming.link("entry", str(entry.id)))
            tags = tags or set()
            tags.add("reversed")
        payee: str | None = None
        ledger_meta = entry.metadata
        if ledger_meta:
            extra: dict[str, Any] = {}
            for key in sorted(ledger_meta):
                value = ledger_meta[key]
                if value is None:
                    continue
                kind = _KEY_KINDS.get(key)
                if kind is None:
                    kind = _key_kind(key)
                if kind is not _PLAIN_KEY:
                    if kind is _REVERSES_KEY and reverses is not None and value == reverses:
                        continue  # the reversal's own copy of its column
                    if kind is _LINKED_KEY:
                        by = SUPERSEDED_BY.get(key)
                        if by is None or ledger_meta.get(by) is None:
                            text = value if isinstance(value, str) else _json_text(value)
                            links = links or set()
                            links.add(naming.link(LINKED_KEYS[key], text))
                    elif kind is _PAYEE_KEY and isinstance(value, str) and value:
                        payee = value
                    if kind is _EXTRA_KEY or kind is _REVERSES_KEY:
                        extra[key] = value
                        continue
                value_type = type(value)
                if value_type is str or value_type is bool:
                    meta[key] = value
                elif isinstance(value, int):
                    meta[key] = Decimal(value)
                else:
                    meta[key] = metadata_value(value)
            if extra:
                meta["ledger_metadata"] = canonical_json(extra).decode("utf-8")
        names = self.names[entry.book]
        posting_type = data.Posting
        amount_type = amount.Amount
        postings = []
        if self.chain_metadata:
            for posting in entry.postings:
                money = posting.amount
                postings.append(
                    posting_type(
                        names[posting.account],
                        amount_type(money.amount, money.currency.code),
                        None,
                        None,
                        None,
                        {"seq": Decimal(posting.account_seq), "prev_hash": posting.prev_hash},
                    )
                )
        else:
            for posting in entry.postings:
                money = posting.amount
                postings.append(
                    posting_type(
                        names[posting.account],
                        amount_type(money.amount, money.currency.code),
                        None,
                        None,
                        None,
                        None,
                    )
                )
        return data.Transaction(
            meta,
            entry.effective_date,
            flags.FLAG_OKAY,
            payee,
            entry.description,
            _NO_NAMES if tags is None else frozenset(tags),
            _NO_NAMES if links is None else frozenset(links),
            postings,
        )

    # -- assertions ---------------------------------------------------------------

    def _assertion_book(self, assertion: BalanceAssertion) -> str:
        if assertion.book is None:
            if self.combined:
                raise RiskpoolError(
                    ErrorCode.VALIDATION,
                    f"the assertion on {assertion.account} does not say which book it is in",
                    field="book",
                )
            return self.book.code
        if assertion.book not in self.by_code:
            raise RiskpoolError(
                ErrorCode.UNKNOWN_BOOK, f"book {assertion.book} is not exported", field="book"
            )
        return assertion.book

    def balance_directive(self, assertion: BalanceAssertion) -> data.Balance:
        book = self._assertion_book(assertion)
        account = self.by_code[book].get(assertion.account)
        if account is None:
            raise RiskpoolError(
                ErrorCode.UNKNOWN_ACCOUNT,
                f"no account {book}:{assertion.account}",
                field="account",
            )
        currency = assertion.amount.currency.code
        if currency != account.currency:
            raise RiskpoolError(
                ErrorCode.CURRENCY_MISMATCH,
                f"{book}:{account.code} is in {account.currency}, not {currency}",
                field="amount",
            )
        meta: dict[str, Any] = {"source": assertion.source, "closing_of": assertion.day}
        if assertion.reference:
            meta["statement"] = assertion.reference
        return data.Balance(
            meta,
            assertion.day + timedelta(days=1),
            self.names[book][account.code],
            amount.Amount(assertion.amount.amount, currency),
            EXACT,
            None,
        )

    def closing_assertions(self, balances: TrialBalance, day: date) -> list[BalanceAssertion]:
        """The ledger's balance of every account at the end of ``day``, sub-accounts included.

        Beancount checks a ``balance`` on an account together with all its
        sub-accounts, so a parent's assertion is the sum of the *own*
        balances (the trial balance's rows) of its whole subtree.
        """
        own: dict[str, Money] = {row.account.code: row.balance for row in balances.rows}
        children: dict[str, list[str]] = {}
        for row in balances.rows:
            if row.account.parent is not None:
                children.setdefault(row.account.parent, []).append(row.account.code)

        def subtree(code: str) -> Money:
            total: Money = own[code]
            for child in children.get(code, ()):
                total = total + subtree(child)
            return total

        return [
            BalanceAssertion(
                row.account.code,
                day,
                subtree(row.account.code),
                source=LEDGER_SOURCE,
                book=row.account.book,
            )
            for row in balances.rows
            if row.account.opened_on <= day
        ]

    def period_assertions(
        self, assertions: Iterable[BalanceAssertion], period: Period
    ) -> list[data.Balance]:
        """Balance directives for assertions whose day falls in the period, sorted.

        Two assertions of one account and day are both kept: if they disagree,
        ``bean-check`` reports it, which is the point.
        """
        chosen = [self.balance_directive(a) for a in assertions if period.contains(a.day)]
        return sorted(chosen, key=_pending_key)


def sort_key(directive: data.Directive) -> tuple[date, int]:
    """beancount's own order of directives within a day (open, balance, …, close)."""
    return directive.date, data.SORT_ORDER.get(type(directive), 0)


@dataclass(frozen=True, slots=True)
class ExportInput:
    """Everything :func:`build_directives` needs, as read from the ledger."""

    book: Book | Sequence[Book]
    accounts: Sequence[Account]
    entries: Sequence[JournalEntry]
    period: Period = Period()
    opening: TrialBalance | Sequence[TrialBalance] | None = None
    closing: TrialBalance | Sequence[TrialBalance] | None = None
    reversed_by: Mapping[int, int] | None = None
    assertions: Sequence[BalanceAssertion] = ()


def build_directives(spec: ExportInput, *, chain_metadata: bool = True) -> tuple[str, list[Any]]:
    """The file's header and its directives in print order, all in memory.

    The streaming export (:mod:`riskpool.export.service`) produces the same
    sequence without holding the entries; this function is its reference.
    """
    builder = BeancountBuilder(spec.book, spec.accounts, chain_metadata=chain_metadata)
    plan = FilePlan(builder, spec.period, spec.opening, spec.closing, spec.assertions)
    reversed_by = spec.reversed_by or {}
    directives = plan.prologue()
    for opening in plan.openings:
        directives.extend(plan.before(opening.date))
        directives.append(opening)
    for entry in sorted(spec.entries, key=lambda e: (e.effective_date, e.id)):
        if spec.period.contains(entry.effective_date):
            directives.extend(plan.before(entry.effective_date))
            directives.append(builder.transaction(entry, reversed_by.get(entry.id)))
    directives.extend(plan.epilogue())
    return builder.header(spec.period), directives


class FilePlan:
    """The directives around the entries, and when each must be written.

    Opens and the export's description come first; the balances brought
    forward (:attr:`openings`), balance assertions and closes are merged into
    the stream of entries by date in beancount's sort order, so the printed
    file is sorted the way the loader sorts it — deterministic and readable.
    The caller writes :meth:`prologue`, then for every transaction in date
    order first :meth:`before` its date, and finally :meth:`epilogue`.
    """

    def __init__(
        self,
        builder: BeancountBuilder,
        period: Period,
        opening: TrialBalance | Sequence[TrialBalance] | None,
        closing: TrialBalance | Sequence[TrialBalance] | None,
        assertions: Iterable[BalanceAssertion],
    ) -> None:
        self.builder = builder
        self.period = period
        accounts = builder.visible_accounts(period)
        self.opens: list[Any] = [builder.open_directive(a) for a in accounts]
        self.openings: list[data.Transaction] = [
            t for balances in _each(opening) for t in builder.opening_transactions(balances, period)
        ]
        self.openings.sort(key=lambda t: (t.date, t.postings[0].account))
        default_day = period.date_from or date(1970, 1, 1)
        first_day = min((a.opened_on for a in accounts), default=default_day)
        # One opening-balances account per book that brings balances forward.
        used = {t.postings[1].account for t in self.openings}
        for book_code, name in sorted(builder.opening_accounts.items()):
            if name in used:
                self.opens.append(builder.opening_balances_open(book_code, first_day))
        self.opens.sort(key=lambda o: (o.date, o.account))
        self.options = builder.fava_options(first_day)
        self.info = builder.export_info(period, first_day)
        pending: list[Any] = list(builder.period_assertions(assertions, period))
        for balances in _each(closing):
            if balances.as_of is not None:
                pending.extend(
                    builder.balance_directive(a)
                    for a in builder.closing_assertions(balances, balances.as_of)
                )
        for account in accounts:
            close = builder.close_directive(account)
            if close is not None and (period.date_to is None or close.date <= period.date_to):
                pending.append(close)
        pending.sort(key=_pending_key)
        self._pending = pending
        self._next = 0

    def prologue(self) -> list[Any]:
        return [*self.opens, *self.options, self.info]

    def before(self, day: date) -> list[Any]:
        """Pending directives that beancount sorts before a transaction dated ``day``."""
        start = self._next
        pending = self._pending
        while self._next < len(pending) and sort_key(pending[self._next]) < (day, 0):
            self._next += 1
        return pending[start : self._next]

    def epilogue(self) -> list[Any]:
        rest = self._pending[self._next :]
        self._next = len(self._pending)
        return rest


def _each(balances: TrialBalance | Sequence[TrialBalance] | None) -> list[TrialBalance]:
    if balances is None:
        return []
    return [balances] if isinstance(balances, TrialBalance) else list(balances)


def _pending_key(directive: Any) -> tuple[Any, ...]:
    source = str(directive.meta.get("source", ""))
    number = directive.amount.number if isinstance(directive, data.Balance) else Decimal(0)
    return (*sort_key(directive), directive.account, source, number)
