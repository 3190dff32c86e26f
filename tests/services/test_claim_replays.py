"""Replays of a claim step return the first result, also under concurrency.

Issue 16 found 14 of 100 concurrent exact replays of ``payClaim`` on PostgreSQL
answering ``INVALID_TRANSITION``; and a retry without a client time conflicting,
because the server's "now" was in the hashed payload. The step now carries no time
(the server's clock dates it), so every replay is the same request: here 20 of them
at once all answer the paid claim, and exactly one payment is booked.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from moneyed import Money
from service_history import History

from riskpool.bootstrap import build
from riskpool.domain.commands import claims as cc
from riskpool.domain.commands import funds as fc
from riskpool.domain.commands import loans as lc
from riskpool.domain.commands import parties as pc
from riskpool.domain.model.chart import Acct, BookCode
from riskpool.domain.model.claim import ClaimState
from riskpool.domain.model.parties import Actor, InstitutionKind, Role
from riskpool.domain.model.policy import LoanType
from riskpool.domain.model.uscc import generate_uscc
from riskpool.settings import Settings

OPERATOR = Actor(Role.OPERATOR, "operator")
FINANCE = Actor(Role.FINANCE_BUREAU, "finance")
SCIENCE = Actor(Role.SCIENCE_BUREAU, "science")
AUDITOR = Actor(Role.AUDITOR, "auditor")
CITY = Actor(Role.CITY_GOVERNMENT, "city")
NOW = datetime(2025, 8, 10, 2, 0, tzinfo=UTC)
"""The server's clock of the test: the payment happens now, after the imported history."""


def cny(value: str) -> Money:
    return Money(Decimal(value), "CNY")


async def test_20_concurrent_exact_replays_of_pay_claim_answer_alike_with_one_payment(
    database: Any,
) -> None:
    app = build(
        Settings(database_url=database.url, load_demo=False), db=database.db, clock=lambda: NOW
    )
    await app.set_up()
    story = History(app, date(2025, 1, 1))
    await story.handle(
        fc.AllocateFunds(BookCode.CITY_POOL, date(2025, 2, 6), cny("10000000.00"), "r", "fund"),
        FINANCE,
    )
    bank = await story.handle(pc.RegisterInstitution("甲银行", InstitutionKind.BANK), OPERATOR)
    firm = await story.handle(
        pc.RegisterFirm("甲科技", generate_uscc(7), "电子信息", cny("1000000.00")), OPERATOR
    )
    assert bank.id is not None and firm.id is not None
    teller = Actor(Role.INSTITUTION, "teller", bank.id)
    loan = await story.handle(
        lc.GrantLoan(
            "A-1", bank.id, firm.id, LoanType.BANK_DIRECT, cny("1000000.00"),
            date(2025, 3, 1), date(2026, 3, 1),
        ),
        teller,
    )  # fmt: skip
    assert loan.id is not None
    await story.handle(lc.EnterPool(loan.id), teller, date(2025, 3, 2))
    await story.handle(lc.DisburseLoan(loan.id, date(2025, 3, 3), cny("800000.00"), "d"), teller)
    await story.handle(lc.MarkOverdue(loan.id, date(2025, 4, 1)), teller)
    claim = await story.handle(
        cc.SubmitClaim(loan.id, cny("800000.00"), "材料", "submit"), teller, date(2025, 7, 1)
    )
    assert claim.id is not None
    for actor, step, day in (
        (OPERATOR, cc.CommissionAudit(claim.id, "commission"), date(2025, 7, 2)),
        (AUDITOR, cc.RecordAudit(claim.id, "AUD-1", cny("700000.00"), "audit"), date(2025, 7, 10)),
        (SCIENCE, cc.ReviewClaim(claim.id, "同意", "财-1", "finance", "review"), date(2025, 7, 20)),
        (CITY, cc.ApproveClaim(claim.id, "批-1", "approve"), date(2025, 8, 1)),
    ):
        await story.handle(step, actor, day)

    pay = cc.PayClaim(claim.id, "PAY-1", "pay-1")
    answers = await asyncio.gather(*(app.handle(pay, OPERATOR) for _ in range(20)))

    assert {(a.id, a.state, a.paid_amount) for a in answers} == {
        (claim.id, ClaimState.PAID, cny("350000.00"))
    }
    assert {a.trail[-1].at for a in answers} == {NOW}  # the server's time, kept by every replay
    assert await app.ledger.balance(BookCode.CITY_POOL.value, Acct.COMPENSATION_PAYABLE) == cny(
        "0.00"
    )
    assert await app.ledger.balance(BookCode.CITY_POOL.value, Acct.CASH) == cny("9650000.00")
