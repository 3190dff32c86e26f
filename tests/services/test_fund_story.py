"""The seed's money story through the use cases, on both dialects.

Reserve in three tranches; two 1.0 loans compensated in 2024-07 with
2,319,300.00 to 郑州银行; the Finance Bureau tops the reserve back up; the
reserve moves into the pool, which ends at exactly 170,000,000.00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from moneyed import Money
from service_history import History

from riskpool.bootstrap import App, build
from riskpool.domain.commands import Command
from riskpool.domain.commands import claims as cc
from riskpool.domain.commands import funds as fc
from riskpool.domain.commands import loans as lc
from riskpool.domain.commands import parties as pc
from riskpool.domain.model.chart import Acct, BookCode
from riskpool.domain.model.claim import ClaimState
from riskpool.domain.model.parties import Actor, InstitutionKind, Role
from riskpool.domain.model.policy import LoanType
from riskpool.domain.model.uscc import generate_uscc
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.verify import verify
from riskpool.settings import Settings

OPERATOR = Actor(Role.OPERATOR, "operator")
FINANCE = Actor(Role.FINANCE_BUREAU, "finance")
SCIENCE = Actor(Role.SCIENCE_BUREAU, "science")
AUDITOR = Actor(Role.AUDITOR, "auditor")
CITY = Actor(Role.CITY_GOVERNMENT, "city")
T = TypeVar("T")
NOW = datetime(2027, 1, 15, 2, 0, tzinfo=UTC)


def cny(value: str) -> Money:
    return Money(Decimal(value), "CNY")


async def send(app: App, command: Command[T], actor: Actor, on: date | None = None) -> T:
    """The story is history: imported on ``on``, else on the date it carries."""
    return await History(app, date(2018, 10, 1)).handle(command, actor, on)


@pytest.fixture
async def app(database: Any) -> App:
    # The server's clock after the story's last day (a 2026 year-end settlement).
    built = build(
        Settings(database_url=database.url, load_demo=False), db=database.db, clock=lambda: NOW
    )
    await built.set_up()
    return built


async def _cash(app: App, book: BookCode) -> Money:
    return await app.ledger.balance(book.value, Acct.CASH)


async def _compensate(app: App, bank_id: int, firm_id: int, n: int, loss: str) -> tuple[int, Money]:
    bank = Actor(Role.INSTITUTION, "zzbank", bank_id)
    loan = await send(
        app,
        lc.GrantLoan(
            contract_no=f"ZZB-2023-{n}",
            lender_id=bank_id,
            firm_id=firm_id,
            loan_type=LoanType.BANK_DIRECT,
            credit_line=cny("5000000.00"),
            granted_on=date(2023, 1, 10),
            maturity=date(2025, 1, 10),
        ),
        bank,
    )
    assert loan.id is not None
    await send(app, lc.EnterPool(loan_id=loan.id), bank, date(2023, 1, 15))
    await send(
        app,
        lc.DisburseLoan(
            loan_id=loan.id, on=date(2023, 1, 20), amount=cny("3000000.00"), idempotency_key=f"d{n}"
        ),
        bank,
    )
    await send(app, lc.MarkOverdue(loan_id=loan.id, since=date(2024, 3, 1)), bank)
    claim = await send(
        app,
        cc.SubmitClaim(
            loan_id=loan.id,
            claimed_principal=cny(loss),
            documents="申请材料",
            idempotency_key=f"submit-{n}",
        ),
        bank,
        date(2024, 5, 10),
    )
    assert claim.id is not None
    steps: list[tuple[Actor, Any, date]] = [
        (OPERATOR, cc.CommissionAudit(claim.id, f"commission-{n}"), date(2024, 5, 15)),
        (AUDITOR, cc.RecordAudit(claim.id, f"AUD-{n}", cny(loss), f"audit-{n}"), date(2024, 6, 1)),
        (
            SCIENCE,
            cc.ReviewClaim(claim.id, "同意", f"财-{n}", FINANCE.subject, f"review-{n}"),
            date(2024, 6, 20),
        ),
        (CITY, cc.ApproveClaim(claim.id, f"市政府-{n}", f"approve-{n}"), date(2024, 7, 5)),
        (OPERATOR, cc.PayClaim(claim.id, f"PAY-{n}", f"pay-{n}"), date(2024, 7, 20)),
    ]
    for actor, step, day in steps:
        claim = await send(app, step, actor, day)
    assert claim.state is ClaimState.PAID
    assert claim.paid_amount is not None and claim.id is not None
    return claim.id, claim.paid_amount


async def test_the_seed_story_reaches_170_million(app: App, database: Any) -> None:
    ledger = app.ledger
    for n, (day, amount) in enumerate(
        [
            (date(2018, 12, 1), "30000000.00"),
            (date(2019, 6, 1), "30000000.00"),
            (date(2020, 6, 1), "40000000.00"),
        ],
        start=1,
    ):
        await send(
            app,
            fc.ReserveTranche(
                tranche_no=n, on=day, amount=cny(amount), idempotency_key=f"tranche-{n}"
            ),
            FINANCE,
        )
    zz = await send(
        app,
        pc.RegisterInstitution(
            name="郑州银行", kind=InstitutionKind.BANK, cooperating_since=date(2018, 10, 1)
        ),
        OPERATOR,
    )
    firm_a = await send(
        app,
        pc.RegisterFirm(
            name="甲科技",
            uscc=generate_uscc(1),
            sector="电子信息",
            annual_revenue=cny("30000000.00"),
        ),
        OPERATOR,
    )
    firm_b = await send(
        app,
        pc.RegisterFirm(
            name="乙科技",
            uscc=generate_uscc(2),
            sector="生物医药",
            annual_revenue=cny("20000000.00"),
        ),
        OPERATOR,
    )
    assert zz.id is not None and firm_a.id is not None and firm_b.id is not None
    _, paid_a = await _compensate(app, zz.id, firm_a.id, 1, "1624125.00")
    _, paid_b = await _compensate(app, zz.id, firm_b.id, 2, "1275000.00")
    assert paid_a + paid_b == cny("2319300.00")  # 80% of 2,899,125.00

    await send(
        app,
        fc.TopUp(
            book=BookCode.ZKD_RESERVE,
            on=date(2025, 2, 1),
            amount=paid_a + paid_b,
            reference="补足-2025",
            idempotency_key="topup",
        ),
        FINANCE,
    )
    await send(
        app,
        fc.AllocateFunds(
            book=BookCode.CITY_POOL,
            on=date(2025, 2, 6),
            amount=cny("70000000.00"),
            reference="郑好融",
            idempotency_key="alloc",
        ),
        FINANCE,
    )
    transfer = fc.TransferReserveToPool(
        on=date(2025, 2, 10), amount=cny("100000000.00"), idempotency_key="transfer"
    )
    out, into = await send(app, transfer, FINANCE)
    assert await _cash(app, BookCode.ZKD_RESERVE) == cny("0.00")
    assert await _cash(app, BookCode.CITY_POOL) == cny("170000000.00")
    assert await ledger.balance("ZKD_RESERVE", Acct.COMPENSATION_EXPENSE) == cny("2319300.00")
    for book in ("ZKD_RESERVE", "CITY_POOL", "MEMO"):
        assert (await ledger.trial_balance(book)).balanced
    async with database.db.transaction(write=False) as conn:
        assert (await verify(conn)).ok

    # Replays change nothing; a different payload under a used key is refused.
    again = await send(app, transfer, FINANCE)
    assert again == (out, into)
    with pytest.raises(RiskpoolError) as conflict:
        await send(
            app,
            fc.TransferReserveToPool(
                on=date(2025, 2, 10), amount=cny("1.00"), idempotency_key="transfer"
            ),
            FINANCE,
        )
    assert conflict.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    # The same key and payload from another actor is not their result to see.
    with pytest.raises(RiskpoolError) as other_actor:
        await send(app, transfer, Actor(Role.FINANCE_BUREAU, "someone else"))
    assert other_actor.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    with pytest.raises(RiskpoolError) as forbidden:
        await send(
            app,
            fc.TopUp(
                book=BookCode.CITY_POOL,
                on=date(2025, 3, 1),
                amount=cny("1.00"),
                reference="x",
                idempotency_key="x",
            ),
            OPERATOR,
        )
    assert forbidden.value.code is ErrorCode.FORBIDDEN


async def test_settlement_top_up_fills_the_shortfall_to_the_floor(app: App) -> None:
    await send(
        app,
        fc.AllocateFunds(
            book=BookCode.CITY_POOL,
            on=date(2025, 2, 6),
            amount=cny("70000000.00"),
            reference="郑好融",
            idempotency_key="a",
        ),
        FINANCE,
    )
    (entry,) = await send(
        app,
        fc.SettlementTopUp(
            book=BookCode.CITY_POOL,
            on=date(2025, 12, 31),
            reference="2025年度",
            idempotency_key="settle-2025",
        ),
        FINANCE,
    )
    assert entry.amount_on(Acct.CASH) == cny("30000000.00")  # floor 100,000,000.00
    assert await _cash(app, BookCode.CITY_POOL) == cny("100000000.00")
    nothing = await send(
        app,
        fc.SettlementTopUp(
            book=BookCode.CITY_POOL,
            on=date(2026, 12, 31),
            reference="2026年度",
            idempotency_key="settle-2026",
        ),
        FINANCE,
    )
    assert nothing == ()
    assert (await app.ledger.trial_balance("CITY_POOL")).balanced


async def test_management_fee_above_the_cap_is_refused(app: App) -> None:
    await send(
        app,
        fc.AllocateFunds(
            book=BookCode.CITY_POOL,
            on=date(2025, 2, 6),
            amount=cny("100000000.00"),
            reference="r",
            idempotency_key="a",
        ),
        FINANCE,
    )
    with pytest.raises(RiskpoolError) as caught:
        await send(
            app,
            fc.ChargeManagementFee(
                book=BookCode.CITY_POOL,
                on=date(2025, 6, 30),
                amount=cny("1000000.01"),
                period="2025",
                idempotency_key="fee",
            ),
            OPERATOR,
        )
    assert caught.value.code is ErrorCode.POLICY_VIOLATION
    (fee,) = await send(
        app,
        fc.ChargeManagementFee(
            book=BookCode.CITY_POOL,
            on=date(2025, 6, 30),
            amount=cny("1000000.00"),
            period="2025",
            idempotency_key="fee-ok",
        ),
        OPERATOR,
    )
    assert fee.amount_on(Acct.CASH) == cny("-1000000.00")
