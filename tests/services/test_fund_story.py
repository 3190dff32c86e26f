"""The seed's money story through the use cases, on both dialects.

Reserve in three tranches; two 1.0 loans compensated in 2024-07 with
2,319,300.00 to 郑州银行; the Finance Bureau tops the reserve back up; the
reserve moves into the pool, which ends at exactly 170,000,000.00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from moneyed import Money

from riskpool.domain.chart import Acct, BookCode
from riskpool.domain.claim import ClaimAction, ClaimState, Concurrence, Evidence
from riskpool.domain.parties import Actor, InstitutionKind, Role
from riskpool.domain.policy import LoanType
from riskpool.domain.services.claims import ClaimService
from riskpool.domain.services.funds import FundService
from riskpool.domain.services.loans import LoanService
from riskpool.domain.services.parties import PartyService
from riskpool.domain.uscc import generate_uscc
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.service import Ledger
from riskpool.ledger.verify import verify

OPERATOR = Actor(Role.OPERATOR, "operator")
FINANCE = Actor(Role.FINANCE_BUREAU, "finance")
SCIENCE = Actor(Role.SCIENCE_BUREAU, "science")
AUDITOR = Actor(Role.AUDITOR, "auditor")
CITY = Actor(Role.CITY_GOVERNMENT, "city")


def cny(value: str) -> Money:
    return Money(Decimal(value), "CNY")


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


@pytest.fixture
def services(database: Any) -> Any:
    db = database.db
    return (
        PartyService(db),
        LoanService(db),
        ClaimService(db),
        FundService(db),
        Ledger(db),
        database,
    )


async def _compensate(
    services: Any, bank_id: int, firm_id: int, n: int, loss: str
) -> tuple[int, Money]:
    _parties, loans, claims, _funds, _ledger, _ = services
    bank = Actor(Role.INSTITUTION, "zzbank", bank_id)
    loan = await loans.grant(
        bank,
        contract_no=f"ZZB-2023-{n}",
        lender_id=bank_id,
        firm_id=firm_id,
        loan_type=LoanType.BANK_DIRECT,
        credit_line=cny("5000000.00"),
        granted_on=date(2023, 1, 10),
        maturity=date(2025, 1, 10),
    )
    await loans.enter_pool(bank, loan.id, on=date(2023, 1, 15))
    await loans.disburse(
        bank, loan.id, on=date(2023, 1, 20), amount=cny("3000000.00"), idempotency_key=f"d{n}"
    )
    await loans.mark_overdue(bank, loan.id, since=date(2024, 3, 1))
    claim = await claims.submit(
        bank,
        loan_id=loan.id,
        claimed_principal=cny(loss),
        evidence=Evidence(documents="申请材料"),
        at=at(date(2024, 5, 10)),
        idempotency_key=f"submit-{n}",
    )
    steps = [
        (OPERATOR, ClaimAction.COMMISSION_AUDIT, Evidence(), date(2024, 5, 15)),
        (
            AUDITOR,
            ClaimAction.RECORD_AUDIT,
            Evidence(audit_report_ref=f"AUD-{n}", audited_principal_loss=cny(loss)),
            date(2024, 6, 1),
        ),
        (
            SCIENCE,
            ClaimAction.REVIEW,
            Evidence(review_opinion="同意", finance_concurrence=Concurrence(FINANCE, f"财-{n}")),
            date(2024, 6, 20),
        ),
        (CITY, ClaimAction.APPROVE, Evidence(approval_document_no=f"市政府-{n}"), date(2024, 7, 5)),
        (OPERATOR, ClaimAction.PAY, Evidence(payment_reference=f"PAY-{n}"), date(2024, 7, 20)),
    ]
    for actor, action, evidence, day in steps:
        claim = await claims.act(
            actor, claim.id, action, at=at(day), evidence=evidence, idempotency_key=f"{action}-{n}"
        )
    assert claim.state is ClaimState.PAID
    assert claim.paid_amount is not None
    return claim.id, claim.paid_amount


async def test_the_seed_story_reaches_170_million(services: Any) -> None:
    parties, _loans, _claims, funds, ledger, database = services
    await funds.setup()
    for n, (day, amount) in enumerate(
        [
            (date(2018, 12, 1), "30000000.00"),
            (date(2019, 6, 1), "30000000.00"),
            (date(2020, 6, 1), "40000000.00"),
        ],
        start=1,
    ):
        await funds.reserve_tranche(
            FINANCE, tranche_no=n, on=day, amount=cny(amount), idempotency_key=f"tranche-{n}"
        )
    zz = await parties.register_institution(
        OPERATOR, name="郑州银行", kind=InstitutionKind.BANK, cooperating_since=date(2018, 10, 1)
    )
    firm_a = await parties.register_firm(
        OPERATOR,
        name="甲科技",
        uscc=generate_uscc(1),
        sector="电子信息",
        annual_revenue=cny("30000000.00"),
    )
    firm_b = await parties.register_firm(
        OPERATOR,
        name="乙科技",
        uscc=generate_uscc(2),
        sector="生物医药",
        annual_revenue=cny("20000000.00"),
    )
    _, paid_a = await _compensate(services, zz.id, firm_a.id, 1, "1624125.00")
    _, paid_b = await _compensate(services, zz.id, firm_b.id, 2, "1275000.00")
    assert paid_a + paid_b == cny("2319300.00")  # 80% of 2,899,125.00

    await funds.top_up(
        FINANCE,
        book=BookCode.ZKD_RESERVE,
        on=date(2025, 2, 1),
        amount=paid_a + paid_b,
        reference="补足-2025",
        idempotency_key="topup",
    )
    await funds.allocate(
        FINANCE,
        book=BookCode.CITY_POOL,
        on=date(2025, 2, 6),
        amount=cny("70000000.00"),
        reference="郑好融",
        idempotency_key="alloc",
    )
    out, into = await funds.transfer_reserve_to_pool(
        FINANCE, on=date(2025, 2, 10), amount=cny("100000000.00"), idempotency_key="transfer"
    )
    assert await funds.cash(BookCode.ZKD_RESERVE) == cny("0.00")
    assert await funds.cash(BookCode.CITY_POOL) == cny("170000000.00")
    assert await ledger.balance("ZKD_RESERVE", Acct.COMPENSATION_EXPENSE) == cny("2319300.00")
    for book in ("ZKD_RESERVE", "CITY_POOL", "MEMO"):
        assert (await ledger.trial_balance(book)).balanced
    async with database.db.transaction(write=False) as conn:
        assert (await verify(conn)).ok

    # Replays change nothing; a different payload under a used key is refused.
    again = await funds.transfer_reserve_to_pool(
        FINANCE, on=date(2025, 2, 10), amount=cny("100000000.00"), idempotency_key="transfer"
    )
    assert again == (out, into)
    with pytest.raises(RiskpoolError) as conflict:
        await funds.transfer_reserve_to_pool(
            FINANCE, on=date(2025, 2, 10), amount=cny("1.00"), idempotency_key="transfer"
        )
    assert conflict.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    with pytest.raises(RiskpoolError) as forbidden:
        await funds.top_up(
            OPERATOR,
            book=BookCode.CITY_POOL,
            on=date(2025, 3, 1),
            amount=cny("1.00"),
            reference="x",
            idempotency_key="x",
        )
    assert forbidden.value.code is ErrorCode.FORBIDDEN


async def test_settlement_top_up_fills_the_shortfall_to_the_floor(services: Any) -> None:
    _parties, _loans, _claims, funds, ledger, _ = services
    await funds.setup()
    await funds.allocate(
        FINANCE,
        book=BookCode.CITY_POOL,
        on=date(2025, 2, 6),
        amount=cny("70000000.00"),
        reference="郑好融",
        idempotency_key="a",
    )
    entry = await funds.settlement_top_up(
        FINANCE,
        book=BookCode.CITY_POOL,
        on=date(2025, 12, 31),
        reference="2025年度",
        idempotency_key="settle-2025",
    )
    assert entry is not None
    assert entry.amount_on(Acct.CASH) == cny("30000000.00")  # floor 100,000,000.00
    assert await funds.cash(BookCode.CITY_POOL) == cny("100000000.00")
    nothing = await funds.settlement_top_up(
        FINANCE,
        book=BookCode.CITY_POOL,
        on=date(2026, 12, 31),
        reference="2026年度",
        idempotency_key="settle-2026",
    )
    assert nothing is None
    assert (await ledger.trial_balance("CITY_POOL")).balanced


async def test_management_fee_above_the_cap_is_refused(services: Any) -> None:
    _parties, _loans, _claims, funds, _ledger, _ = services
    await funds.setup()
    await funds.allocate(
        FINANCE,
        book=BookCode.CITY_POOL,
        on=date(2025, 2, 6),
        amount=cny("100000000.00"),
        reference="r",
        idempotency_key="a",
    )
    with pytest.raises(RiskpoolError) as caught:
        await funds.charge_management_fee(
            OPERATOR,
            book=BookCode.CITY_POOL,
            on=date(2025, 6, 30),
            amount=cny("1000000.01"),
            period="2025",
            idempotency_key="fee",
        )
    assert caught.value.code is ErrorCode.POLICY_VIOLATION
    fee = await funds.charge_management_fee(
        OPERATOR,
        book=BookCode.CITY_POOL,
        on=date(2025, 6, 30),
        amount=cny("1000000.00"),
        period="2025",
        idempotency_key="fee-ok",
    )
    assert fee.amount_on(Acct.CASH) == cny("-1000000.00")
