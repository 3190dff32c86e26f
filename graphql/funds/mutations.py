"""Mutations of the funds' own money: tranches, allocations, top-ups, the transfer,
interest and the management fee. Each returns the journal entries it posted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import strawberry
from strawberry.types import Info

from riskpool.domain.commands import Command
from riskpool.domain.commands import funds as cmd
from riskpool.domain.commands.funds import Posted
from riskpool.domain.model.chart import BookCode as DomainBookCode
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.errors import UserError
from riskpool.graphql.core.mutations import attempt
from riskpool.graphql.core.scalars import MoneyInput
from riskpool.graphql.ledger.types import JournalEntryType

FundBook = strawberry.enum(DomainBookCode, name="FundBook")


@strawberry.type
class EntriesPayload:
    entries: list[JournalEntryType]
    user_errors: list[UserError]


async def _posting(
    info: Info[Context, None], command: Callable[[], Command[Posted]]
) -> EntriesPayload:
    """Build one fund command and run it on the bus: its entries, or its refusal."""
    context = info.context
    actor = context.actor()
    result, errors = await attempt(lambda: context.app.handle(command(), actor))
    return EntriesPayload(
        entries=[JournalEntryType.of(e) for e in result or ()], user_errors=errors
    )


@strawberry.type
class FundMutation:
    @strawberry.mutation(description="Finance bureau: a tranche of the 郑科贷 reserve.")
    async def reserve_tranche(
        self,
        info: Info[Context, None],
        tranche_no: int,
        on: date,
        amount: MoneyInput,
        idempotency_key: str,
    ) -> EntriesPayload:
        return await _posting(
            info,
            lambda: cmd.ReserveTranche(
                tranche_no=tranche_no,
                on=on,
                amount=amount.to_money(),
                idempotency_key=idempotency_key,
            ),
        )

    @strawberry.mutation(description="Finance bureau: an allocation (财政拨款) to a fund.")
    async def allocate_funds(
        self,
        info: Info[Context, None],
        book: FundBook,  # type: ignore[valid-type]
        on: date,
        amount: MoneyInput,
        reference: str,
        idempotency_key: str,
    ) -> EntriesPayload:
        return await _posting(
            info,
            lambda: cmd.AllocateFunds(
                book=book,
                on=on,
                amount=amount.to_money(),
                reference=reference,
                idempotency_key=idempotency_key,
            ),
        )

    @strawberry.mutation(description="Finance bureau: a top-up (动态补足) of a stated amount.")
    async def top_up(
        self,
        info: Info[Context, None],
        book: FundBook,  # type: ignore[valid-type]
        on: date,
        amount: MoneyInput,
        reference: str,
        idempotency_key: str,
    ) -> EntriesPayload:
        return await _posting(
            info,
            lambda: cmd.TopUp(
                book=book,
                on=on,
                amount=amount.to_money(),
                reference=reference,
                idempotency_key=idempotency_key,
            ),
        )

    @strawberry.mutation(description="Finance bureau: annual settlement top-up to the floor.")
    async def settlement_top_up(
        self,
        info: Info[Context, None],
        book: FundBook,  # type: ignore[valid-type]
        on: date,
        reference: str,
        idempotency_key: str,
    ) -> EntriesPayload:
        return await _posting(
            info,
            lambda: cmd.SettlementTopUp(
                book=book, on=on, reference=reference, idempotency_key=idempotency_key
            ),
        )

    @strawberry.mutation(description="Finance bureau: move the 郑科贷 reserve into the pool.")
    async def transfer_reserve_to_pool(
        self, info: Info[Context, None], on: date, amount: MoneyInput, idempotency_key: str
    ) -> EntriesPayload:
        return await _posting(
            info,
            lambda: cmd.TransferReserveToPool(
                on=on, amount=amount.to_money(), idempotency_key=idempotency_key
            ),
        )

    @strawberry.mutation(description="Operator: interest earned on a fund's account.")
    async def record_interest(
        self,
        info: Info[Context, None],
        book: FundBook,  # type: ignore[valid-type]
        on: date,
        amount: MoneyInput,
        period: str,
        idempotency_key: str,
    ) -> EntriesPayload:
        return await _posting(
            info,
            lambda: cmd.RecordInterest(
                book=book,
                on=on,
                amount=amount.to_money(),
                period=period,
                idempotency_key=idempotency_key,
            ),
        )

    @strawberry.mutation(description="Operator: the management fee, refused above the cap.")
    async def charge_management_fee(
        self,
        info: Info[Context, None],
        book: FundBook,  # type: ignore[valid-type]
        on: date,
        amount: MoneyInput,
        period: str,
        idempotency_key: str,
    ) -> EntriesPayload:
        return await _posting(
            info,
            lambda: cmd.ChargeManagementFee(
                book=book,
                on=on,
                amount=amount.to_money(),
                period=period,
                idempotency_key=idempotency_key,
            ),
        )
