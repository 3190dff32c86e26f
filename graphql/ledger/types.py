"""GraphQL types of the ledger: translations of riskpool.ledger's records."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from riskpool.graphql.core.context import Context
from riskpool.graphql.core.scalars import MoneyType
from riskpool.graphql.ledger import loaders
from riskpool.ledger import model


@strawberry.enum(name="AccountType")
class AccountTypeEnum(enum.Enum):
    ASSET = "asset"
    LIABILITY = "liability"
    NET_ASSETS = "net_assets"
    INCOME = "income"
    EXPENSE = "expense"


@strawberry.type(name="Book", description="A self-balancing set of accounts.")
class BookType:
    code: str
    name: str
    description: str

    @classmethod
    def of(cls, book: model.Book) -> BookType:
        return cls(code=book.code, name=book.name, description=book.description)


@strawberry.type(name="Account")
class AccountType:
    book: str
    code: str
    name: str
    type: AccountTypeEnum
    currency: str
    parent: str | None
    opened_on: date
    closed_on: date | None
    debits_must_not_exceed_credits: bool
    credits_must_not_exceed_debits: bool
    balance: MoneyType = strawberry.field(
        description="Debit-positive balance (Σ debits − Σ credits) as of the query's date."
    )
    natural_balance: MoneyType = strawberry.field(
        description="The balance as an accountant reads it: positive on the account's normal side."
    )

    @classmethod
    def of(cls, account: model.Account, balance: Any) -> AccountType:
        return cls(
            book=account.book,
            code=account.code,
            name=account.name,
            type=AccountTypeEnum(account.type.value),
            currency=account.currency,
            parent=account.parent,
            opened_on=account.opened_on,
            closed_on=account.closed_on,
            debits_must_not_exceed_credits=account.debits_must_not_exceed_credits,
            credits_must_not_exceed_debits=account.credits_must_not_exceed_debits,
            balance=MoneyType.of(balance),
            natural_balance=MoneyType.of(balance * account.type.natural_sign),
        )


@strawberry.type(name="Posting")
class PostingType:
    account: str
    amount: MoneyType
    account_seq: int
    balance_after: MoneyType
    prev_hash: str

    @classmethod
    def of(cls, posting: model.Posting) -> PostingType:
        return cls(
            account=posting.account,
            amount=MoneyType.of(posting.amount),
            account_seq=posting.account_seq,
            balance_after=MoneyType.of(posting.balance_after),
            prev_hash=posting.prev_hash,
        )


@strawberry.type(name="JournalEntry")
class JournalEntryType(relay.Node):
    entry_id: relay.NodeID[int]
    book: str
    effective_date: date
    booked_at: datetime
    description: str
    metadata: JSON
    idempotency_key: str
    actor: str
    reverses: int | None
    entry_hash: str
    postings: list[PostingType]

    @strawberry.field(description="The integer id that mutations take (e.g. claimId).")
    def database_id(self) -> int:
        return self.entry_id

    @classmethod
    def of(cls, entry: model.JournalEntry) -> JournalEntryType:
        return cls(
            entry_id=entry.id,
            book=entry.book,
            effective_date=entry.effective_date,
            booked_at=entry.booked_at,
            description=entry.description,
            metadata=cast(JSON, dict(entry.metadata)),
            idempotency_key=entry.idempotency_key,
            actor=entry.actor,
            reverses=entry.reverses,
            entry_hash=entry.entry_hash,
            postings=[PostingType.of(p) for p in entry.postings],
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info[Context, None],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[JournalEntryType | None]:
        ids = []
        for node_id in node_ids:
            try:
                ids.append(int(node_id))
            except ValueError:
                ids.append(-1)
        found = await loaders.entries(info.context).load_many(ids)
        return [cls.of(e) if e is not None else None for e in found]
