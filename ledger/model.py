"""Immutable records of the ledger: what callers send and what they get back.

Why frozen dataclasses: a posted entry is a fact; nothing in the program may
change it after the fact, just as the database refuses to. Requests
(``*Spec``) are separate from results so a result always carries what the
database assigned (ids, sequence numbers, hashes, booking time).

Sign convention: an amount is **debit-positive** — a debit is ``+``, a credit
is ``-`` — and an account's balance is Σ debits − Σ credits. Asset and expense
accounts therefore normally show a positive balance, liability, net-assets and
income accounts a negative one; :meth:`Account.natural_sign` turns a balance
into the figure an accountant reads.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, TypeAlias

from moneyed import Money

JsonValue: TypeAlias = str | int | bool | list["JsonValue"] | dict[str, "JsonValue"] | None
Metadata: TypeAlias = Mapping[str, JsonValue]

_EMPTY: Metadata = MappingProxyType({})


class AccountType(enum.StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    NET_ASSETS = "net_assets"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def natural_sign(self) -> int:
        """+1 for debit-normal types (asset, expense), -1 for credit-normal ones."""
        return 1 if self in (AccountType.ASSET, AccountType.EXPENSE) else -1


@dataclass(frozen=True, slots=True)
class Book:
    """A self-balancing set of accounts (a fund, or the memorandum book).

    Every entry belongs to exactly one book and posts only to its accounts, so
    each book's trial balance nets to zero on its own. A movement between two
    funds is two entries, one per book, written in one transaction.
    """

    id: int
    code: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """Request to open an account.

    ``debits_must_not_exceed_credits`` / ``credits_must_not_exceed_debits``
    follow TigerBeetle: the second one, on a cash account, means the balance
    (debit-positive) can never go below zero — no overdraft.
    """

    book: str
    code: str
    name: str
    type: AccountType
    currency: str
    opened_on: date
    parent: str | None = None
    debits_must_not_exceed_credits: bool = False
    credits_must_not_exceed_debits: bool = False


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    book: str
    code: str
    name: str
    type: AccountType
    currency: str
    opened_on: date
    closed_on: date | None
    parent: str | None
    debits_must_not_exceed_credits: bool
    credits_must_not_exceed_debits: bool

    def is_open_on(self, day: date) -> bool:
        return self.opened_on <= day and (self.closed_on is None or day <= self.closed_on)


@dataclass(frozen=True, slots=True)
class PostingSpec:
    """One leg of a requested entry: an account code of the entry's book and a signed amount."""

    account: str
    amount: Money


@dataclass(frozen=True, slots=True)
class EntrySpec:
    """A request to post one journal entry.

    ``idempotency_key`` is chosen by the caller: posting the same key with the
    same payload again returns the first entry; with another payload it is
    refused (``IDEMPOTENCY_CONFLICT``). ``reverses`` is set only by
    :meth:`reverse`, which is the one sanctioned way to undo an entry.
    """

    book: str
    effective_date: date
    description: str
    postings: tuple[PostingSpec, ...]
    idempotency_key: str
    actor: str
    metadata: Metadata = field(default_factory=lambda: _EMPTY)
    reverses: int | None = None


@dataclass(frozen=True, slots=True)
class Posting:
    """A posted leg. ``account_seq`` numbers the account's postings 1, 2, 3…;
    ``prev_hash`` is the hash of the entry that holds the account's previous
    posting (the per-account hash chain, see :mod:`riskpool.ledger`)."""

    entry_id: int
    account_id: int
    account: str
    amount: Money
    account_seq: int
    balance_after: Money
    prev_hash: str


@dataclass(frozen=True, slots=True)
class JournalEntry:
    id: int
    book: str
    effective_date: date
    booked_at: datetime
    description: str
    metadata: Metadata
    idempotency_key: str
    actor: str
    reverses: int | None
    entry_hash: str
    postings: tuple[Posting, ...]

    def amount_on(self, account: str) -> Money | None:
        for posting in self.postings:
            if posting.account == account:
                return posting.amount
        return None


@dataclass(frozen=True, slots=True)
class StatementLine:
    entry_id: int
    effective_date: date
    description: str
    amount: Money
    running_balance: Money
    reverses: int | None


@dataclass(frozen=True, slots=True)
class AccountStatement:
    """An account's movements between two dates (inclusive), in effective-date order."""

    account: Account
    date_from: date
    date_to: date
    opening: Money
    lines: tuple[StatementLine, ...]
    closing: Money


@dataclass(frozen=True, slots=True)
class TrialBalanceRow:
    account: Account
    debits: Money
    credits: Money

    @property
    def balance(self) -> Money:
        """Debit-positive balance."""
        result: Money = self.debits - self.credits
        return result


@dataclass(frozen=True, slots=True)
class TrialBalance:
    """Every account of a book with its debit and credit totals as of a date.

    ``totals`` maps each currency to (Σ debits, Σ credits); they are equal in a
    sound book, which :attr:`balanced` states.
    """

    book: str
    as_of: date | None
    rows: tuple[TrialBalanceRow, ...]
    totals: Mapping[str, tuple[Money, Money]]

    @property
    def balanced(self) -> bool:
        return all(debits == credits for debits, credits in self.totals.values())


_NO_METADATA: Metadata = MappingProxyType({})


def freeze_metadata(metadata: Mapping[str, Any]) -> Metadata:
    """A read-only view of metadata, so records stay immutable (one shared view
    for the usual empty metadata: a bulk post returns many entries)."""
    if not metadata:
        return _NO_METADATA
    return MappingProxyType(dict(metadata))


@dataclass(frozen=True, slots=True)
class Period:
    """A month of a book being closed (结账): prepared by one person, closed when a
    different one approves. See :mod:`riskpool.ledger.periods`."""

    book: str
    starts_on: date
    ends_on: date
    prepared_by: str
    prepared_at: datetime
    approved_by: str | None
    approved_at: datetime | None

    @property
    def closed(self) -> bool:
        return self.approved_by is not None

    @property
    def label(self) -> str:
        return self.starts_on.strftime("%Y-%m")
