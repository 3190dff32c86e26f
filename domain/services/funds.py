"""Use cases of the funds' own money: set-up, allocations, the transfer, top-ups,
interest and the management fee. Each posts movement plans; none is typed in
as a raw entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from moneyed import Money

from riskpool.domain.chart import CHART, Acct, BookCode
from riskpool.domain.flows import (
    MovementPlan,
    finance_allocation,
    finance_topup,
    interest_income,
    management_fee,
    reserve_tranche,
    reserve_transfer_to_pool,
    settlement_topup,
)
from riskpool.domain.parties import Actor, Role
from riskpool.domain.persistence.uow import UnitOfWork
from riskpool.domain.policies_shipped import SHIPPED_POLICIES
from riskpool.domain.services.base import (
    FUSION_DATE,
    Service,
    jsonable,
    post_plans,
    require_role,
)
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.model import AccountSpec, AccountType, JournalEntry

BOOK_OPENED = {
    BookCode.ZKD_RESERVE: date(2018, 10, 1),
    BookCode.MEMO: date(2018, 10, 1),
    BookCode.CITY_POOL: FUSION_DATE,
}
"""When each book's accounts open: the reserve with 郑政办[2018]97号, the pool with the fusion."""


async def ensure_chart(uow: UnitOfWork) -> None:
    """Create every book and account of the chart that does not exist yet (idempotent)."""
    existing_books = {book.code for book in await uow.ledger.books()}
    for code, book_def in CHART.items():
        if code.value not in existing_books:
            await uow.ledger.create_book(code.value, book_def.name, book_def.description)
        have = {account.code for account in await uow.ledger.accounts(code.value)}
        for account in book_def.accounts:
            if account.code in have:
                continue
            await uow.ledger.open_account(
                AccountSpec(
                    book=code.value,
                    code=account.code,
                    name=account.name,
                    type=AccountType(account.type.value),
                    currency=account.currency,
                    opened_on=BOOK_OPENED[code],
                    parent=account.parent,
                    debits_must_not_exceed_credits=account.debits_must_not_exceed_credits,
                    credits_must_not_exceed_debits=account.credits_must_not_exceed_debits,
                )
            )


FUNDERS = (Role.FINANCE_BUREAU,)
OPERATORS = (Role.OPERATOR,)


class FundService(Service):
    async def setup(self) -> None:
        async with self.uow() as uow:
            await ensure_chart(uow)

    async def cash(self, book_code: BookCode, as_of: date | None = None) -> Money:
        async with self.uow() as uow:
            return await uow.ledger.balance(book_code.value, Acct.CASH, as_of)

    async def _post(
        self,
        actor: Actor,
        key: str,
        operation: str,
        payload: dict[str, Any],
        plans: Any,
    ) -> list[JournalEntry]:
        """Post the plans built by ``plans(uow)`` once per idempotency key."""

        async def work(uow: UnitOfWork) -> dict[str, Any]:
            built = [p for p in await plans(uow) if p is not None]
            if not built:
                return {"entry_ids": []}
            entries = await post_plans(uow, actor, *built)
            return {"entry_ids": [entry.id for entry in entries]}

        result = await self.once(key, operation, jsonable(payload), work)
        async with self.uow() as uow:
            found = await uow.ledger.entries_by_id(result["entry_ids"])
        return [found[i] for i in result["entry_ids"]]

    async def reserve_tranche(
        self, actor: Actor, *, tranche_no: int, on: date, amount: Money, idempotency_key: str
    ) -> JournalEntry:
        require_role(actor, *FUNDERS)

        async def plans(uow: UnitOfWork) -> list[MovementPlan]:
            return [reserve_tranche(on=on, amount=amount, tranche_no=tranche_no)]

        payload = {"tranche_no": tranche_no, "on": on, "amount": amount}
        return (await self._post(actor, idempotency_key, "fund.tranche", payload, plans))[0]

    async def allocate(
        self,
        actor: Actor,
        *,
        book: BookCode,
        on: date,
        amount: Money,
        reference: str,
        idempotency_key: str,
    ) -> JournalEntry:
        """A Finance Bureau allocation (财政拨款) to a fund."""
        require_role(actor, *FUNDERS)

        async def plans(uow: UnitOfWork) -> list[MovementPlan]:
            return [finance_allocation(book_code=book, on=on, amount=amount, reference=reference)]

        payload = {"book": book, "on": on, "amount": amount, "reference": reference}
        return (await self._post(actor, idempotency_key, "fund.allocate", payload, plans))[0]

    async def top_up(
        self,
        actor: Actor,
        *,
        book: BookCode,
        on: date,
        amount: Money,
        reference: str,
        idempotency_key: str,
    ) -> JournalEntry:
        """A Finance Bureau top-up (动态补足) of a stated amount."""
        require_role(actor, *FUNDERS)

        async def plans(uow: UnitOfWork) -> list[MovementPlan]:
            return [finance_topup(book_code=book, on=on, amount=amount, reference=reference)]

        payload = {"book": book, "on": on, "amount": amount, "reference": reference}
        return (await self._post(actor, idempotency_key, "fund.topup", payload, plans))[0]

    async def settlement_top_up(
        self, actor: Actor, *, book: BookCode, on: date, reference: str, idempotency_key: str
    ) -> JournalEntry | None:
        """The annual settlement: top the fund up to the policy's floor; None if not short."""
        require_role(actor, *FUNDERS)

        async def plans(uow: UnitOfWork) -> list[MovementPlan | None]:
            balance = await uow.ledger.balance(book.value, Acct.CASH, on)
            policy = SHIPPED_POLICIES.in_force(on)
            return [
                settlement_topup(
                    book_code=book, on=on, policy=policy, balance=balance, reference=reference
                )
            ]

        payload = {"book": book, "on": on, "reference": reference}
        posted = await self._post(actor, idempotency_key, "fund.settlement", payload, plans)
        return posted[0] if posted else None

    async def transfer_reserve_to_pool(
        self, actor: Actor, *, on: date, amount: Money, idempotency_key: str
    ) -> tuple[JournalEntry, JournalEntry]:
        """Move the 郑科贷 reserve into the city pool: one entry in each book, one transaction."""
        require_role(actor, *FUNDERS)

        async def plans(uow: UnitOfWork) -> list[MovementPlan]:
            return list(reserve_transfer_to_pool(on=on, amount=amount))

        payload = {"on": on, "amount": amount}
        out, into = await self._post(actor, idempotency_key, "fund.transfer", payload, plans)
        return out, into

    async def record_interest(
        self,
        actor: Actor,
        *,
        book: BookCode,
        on: date,
        amount: Money,
        period: str,
        idempotency_key: str,
    ) -> JournalEntry:
        require_role(actor, *OPERATORS, *FUNDERS)

        async def plans(uow: UnitOfWork) -> list[MovementPlan]:
            return [interest_income(book_code=book, on=on, amount=amount, period=period)]

        payload = {"book": book, "on": on, "amount": amount, "period": period}
        return (await self._post(actor, idempotency_key, "fund.interest", payload, plans))[0]

    async def charge_management_fee(
        self,
        actor: Actor,
        *,
        book: BookCode,
        on: date,
        amount: Money,
        period: str,
        idempotency_key: str,
    ) -> JournalEntry:
        """The operator's fee, refused above the policy's cap (1% of the fund a year)."""
        require_role(actor, *OPERATORS)

        async def plans(uow: UnitOfWork) -> list[MovementPlan]:
            policy = SHIPPED_POLICIES.in_force(on)
            balance = await uow.ledger.balance(book.value, Acct.CASH, on)
            year_start = date(on.year, 1, 1)
            charged = await uow.ledger.balance(book.value, Acct.MANAGEMENT_FEE, on)
            charged_before = await uow.ledger.balance(
                book.value, Acct.MANAGEMENT_FEE, date.fromordinal(year_start.toordinal() - 1)
            )
            interest = await uow.ledger.balance(book.value, Acct.INTEREST_INCOME, on)
            return [
                management_fee(
                    book_code=book,
                    on=on,
                    amount=amount,
                    policy=policy,
                    fund_balance=balance,
                    already_charged_in_year=charged - charged_before,
                    period=period,
                    interest_available=-interest - charged if -interest > charged else None,
                    year_fraction=Decimal(1),
                )
            ]

        if amount.amount <= 0:
            raise RiskpoolError(ErrorCode.INVALID_AMOUNT, "the fee must be positive")
        payload = {"book": book, "on": on, "amount": amount, "period": period}
        return (await self._post(actor, idempotency_key, "fund.fee", payload, plans))[0]
