"""Handlers of the funds' own money: set-up, allocations, the transfer, top-ups,
interest and the management fee. Each posts movement plans of
:mod:`riskpool.domain.model.flows`; none is typed in as a raw entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from riskpool.domain.commands.funds import (
    AllocateFunds,
    ChargeManagementFee,
    Posted,
    RecordInterest,
    ReserveTranche,
    SettlementTopUp,
    SetUpChart,
    TopUp,
    TransferReserveToPool,
)
from riskpool.domain.handlers.common import post_plans
from riskpool.domain.handlers.ports import UnitOfWork
from riskpool.domain.model.chart import BOOK_OPENED, CHART, Acct
from riskpool.domain.model.flows import (
    MovementPlan,
    finance_allocation,
    finance_topup,
    interest_income,
    management_fee,
    reserve_tranche,
    reserve_transfer_to_pool,
    settlement_topup,
)
from riskpool.domain.model.parties import Actor
from riskpool.domain.model.policies_shipped import SHIPPED_POLICIES
from riskpool.domain.permissions import Operation, authorize
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.model import AccountSpec, AccountType


async def set_up_chart(cmd: SetUpChart, actor: Actor, uow: UnitOfWork) -> None:
    """Create every book and account of the chart that does not exist yet.

    Run by the composition root at start-up (as the system), so it asks no
    permission: it only ever adds what the shipped chart defines.
    """
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


async def _post(uow: UnitOfWork, actor: Actor, *plans: MovementPlan | None) -> Posted:
    built = [plan for plan in plans if plan is not None]
    return tuple(await post_plans(uow, actor, *built)) if built else ()


async def post_reserve_tranche(cmd: ReserveTranche, actor: Actor, uow: UnitOfWork) -> Posted:
    authorize(actor, Operation.FUND_CONTRIBUTE)
    plan = reserve_tranche(on=cmd.on, amount=cmd.amount, tranche_no=cmd.tranche_no)
    return await _post(uow, actor, plan)


async def allocate_funds(cmd: AllocateFunds, actor: Actor, uow: UnitOfWork) -> Posted:
    """A Finance Bureau allocation (财政拨款) to a fund."""
    authorize(actor, Operation.FUND_CONTRIBUTE)
    plan = finance_allocation(
        book_code=cmd.book, on=cmd.on, amount=cmd.amount, reference=cmd.reference
    )
    return await _post(uow, actor, plan)


async def top_up(cmd: TopUp, actor: Actor, uow: UnitOfWork) -> Posted:
    """A Finance Bureau top-up (动态补足) of a stated amount."""
    authorize(actor, Operation.FUND_CONTRIBUTE)
    plan = finance_topup(book_code=cmd.book, on=cmd.on, amount=cmd.amount, reference=cmd.reference)
    return await _post(uow, actor, plan)


async def settlement_top_up(cmd: SettlementTopUp, actor: Actor, uow: UnitOfWork) -> Posted:
    """The annual settlement: top the fund up to the policy's floor; nothing if not short."""
    authorize(actor, Operation.FUND_CONTRIBUTE)
    balance = await uow.ledger.balance(cmd.book.value, Acct.CASH, cmd.on)
    policy = SHIPPED_POLICIES.in_force(cmd.on)
    plan = settlement_topup(
        book_code=cmd.book, on=cmd.on, policy=policy, balance=balance, reference=cmd.reference
    )
    return await _post(uow, actor, plan)


async def transfer_reserve_to_pool(
    cmd: TransferReserveToPool, actor: Actor, uow: UnitOfWork
) -> Posted:
    """Move the 郑科贷 reserve into the city pool: one entry in each book, one transaction."""
    authorize(actor, Operation.FUND_CONTRIBUTE)
    return await _post(uow, actor, *reserve_transfer_to_pool(on=cmd.on, amount=cmd.amount))


async def record_interest(cmd: RecordInterest, actor: Actor, uow: UnitOfWork) -> Posted:
    authorize(actor, Operation.FUND_RECORD_INTEREST)
    plan = interest_income(book_code=cmd.book, on=cmd.on, amount=cmd.amount, period=cmd.period)
    return await _post(uow, actor, plan)


async def charge_management_fee(cmd: ChargeManagementFee, actor: Actor, uow: UnitOfWork) -> Posted:
    """The operator's fee, refused above the policy's cap (1% of the fund a year)."""
    authorize(actor, Operation.FUND_CHARGE_FEE)
    if cmd.amount.amount <= 0:
        raise RiskpoolError(ErrorCode.INVALID_AMOUNT, "the fee must be positive")
    book, on = cmd.book.value, cmd.on
    policy = SHIPPED_POLICIES.in_force(on)
    balance = await uow.ledger.balance(book, Acct.CASH, on)
    year_start = date(on.year, 1, 1)
    charged = await uow.ledger.balance(book, Acct.MANAGEMENT_FEE, on)
    charged_before = await uow.ledger.balance(
        book, Acct.MANAGEMENT_FEE, date.fromordinal(year_start.toordinal() - 1)
    )
    interest = await uow.ledger.balance(book, Acct.INTEREST_INCOME, on)
    plan = management_fee(
        book_code=cmd.book,
        on=on,
        amount=cmd.amount,
        policy=policy,
        fund_balance=balance,
        already_charged_in_year=charged - charged_before,
        period=cmd.period,
        interest_available=-interest - charged if -interest > charged else None,
        year_fraction=Decimal(1),
    )
    return await _post(uow, actor, plan)
