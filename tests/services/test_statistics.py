"""Dashboard statistics (riskpool.domain.persistence.statistics) on both dialects.

One small portfolio is built through the use cases, and every figure is
checked against values computed by hand below; then every grouping and every
bucketing must add up to the totals, later events must not leak into an
earlier ``as_of``, an institution must see only its loans, and the fund
figures must be the ledger's balances.

The portfolio (amounts in CNY; "→" marks what happens after 2025-06-30):

====  ======  =====  ====================  ==========  ========  ======================
loan  lender  firm   type, credit          granted     pool      movements, claims
====  ======  =====  ====================  ==========  ========  ======================
L1    ZZ      A 电子  direct 5,000,000      2023-01-10  1.0       disb 3,000,000 (23-01-20);
                                                                  overdue 24-03-01; claim loss
                                                                  1,624,125 → 80% = 1,299,300
                                                                  paid 2024-07-20
L2    ZY      B 生物  direct 2,000,000      2024-03-05  1.0       disb 2,000,000 (24-03-15);
                                                                  repay 500,000 (24-09-15);
                                                                  overdue 25-03-01; a claim
                                                                  withdrawn, then 1,500,000
                                                                  claimed (in review)
L3    ZZ      C 电子  direct 10,000,000     2025-02-20  2.0       disb 4,000,000 (25-03-01),
                                                                  2,000,000 (25-05-10); repay
                                                                  1,000,000 (25-06-15);
                                                                  → disb 1,000,000 (25-07-05)
L4    ZY+GT   D 材料  guaranteed 3,000,000  2025-03-03  2.0       disb 3,000,000 (25-03-10);
                                                                  overdue 25-04-01; GT prepays
                                                                  3,000,000; claim loss
                                                                  2,500,000 → 20% = 500,000,
                                                                  approved 25-06-20,
                                                                  → paid 25-07-10
L5    ZZ      A 电子  direct 1,000,000      2025-06-25  2.0       nothing disbursed
L6    ZY      B 生物  direct 8,000,000      2025-04-01  never     disb 8,000,000 (not in pool)
L7    ZZ      C 电子  direct 2,000,000      2025-06-29  → 07-02   → disb 2,000,000 (25-07-03)
====  ======  =====  ====================  ==========  ========  ======================
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from moneyed import Money
from service_history import History

from riskpool.bootstrap import build
from riskpool.domain.commands import Command
from riskpool.domain.commands import claims as cc
from riskpool.domain.commands import funds as fc
from riskpool.domain.commands import loans as lc
from riskpool.domain.commands import parties as pc
from riskpool.domain.commands.guarantees import AcceptGuarantee
from riskpool.domain.model.chart import Acct, BookCode
from riskpool.domain.model.claim import (
    ClaimAction,
    Concurrence,
    Evidence,
    compensated_principal_by_loan,
)
from riskpool.domain.model.parties import Actor, InstitutionKind, Role
from riskpool.domain.model.policies_shipped import ZKD_2025
from riskpool.domain.model.policy import LoanType
from riskpool.domain.model.suspension import loss_rate
from riskpool.domain.model.uscc import generate_uscc
from riskpool.domain.persistence.statistics import (
    Bucket,
    GroupBy,
    LoanFigures,
    StatsQuery,
    StatsResult,
    loan_statistics,
    pool_statistics,
)
from riskpool.domain.persistence.uow import SqlUnitOfWork
from riskpool.errors import RiskpoolError
from riskpool.ledger.service import Ledger
from riskpool.settings import Settings

OPERATOR = Actor(Role.OPERATOR, "operator")
FINANCE = Actor(Role.FINANCE_BUREAU, "finance")
SCIENCE = Actor(Role.SCIENCE_BUREAU, "science")
AUDITOR = Actor(Role.AUDITOR, "auditor")
CITY = Actor(Role.CITY_GOVERNMENT, "city")

JUNE_END = date(2025, 6, 30)
JULY_END = date(2025, 7, 31)
YEAR_2024_END = date(2024, 12, 31)

ADDITIVE = (
    "credit_granted",
    "disbursed",
    "repaid",
    "outstanding",
    "loan_count",
    "overdue_principal",
    "compensation_paid",
    "compensation_pending",
    "claims_in_review",
    "loss_numerator",
    "loss_base",
)


def cny(value: str) -> Money:
    return Money(Decimal(value), "CNY")


@dataclass
class Portfolio:
    database: Any
    zz: int
    zy: int
    gt: int
    loans: dict[str, int]

    async def stats(self, query: StatsQuery) -> StatsResult:
        async with self.database.db.transaction(write=False) as conn:
            return await loan_statistics(conn, query)


def _step(claim_id: int, action: ClaimAction, evidence: Evidence, key: str) -> Command[Any]:
    """The workflow step ``action`` with its evidence, as the command that carries it."""
    if action is ClaimAction.COMMISSION_AUDIT:
        return cc.CommissionAudit(claim_id, key)
    if action is ClaimAction.RECORD_AUDIT:
        assert evidence.audit_report_ref and evidence.audited_principal_loss
        return cc.RecordAudit(
            claim_id, evidence.audit_report_ref, evidence.audited_principal_loss, key
        )
    if action is ClaimAction.REVIEW:
        concurrence = evidence.finance_concurrence
        assert evidence.review_opinion and concurrence
        return cc.ReviewClaim(
            claim_id,
            evidence.review_opinion,
            concurrence.reference,
            concurrence.actor.subject,
            key,
        )
    if action is ClaimAction.APPROVE:
        assert evidence.approval_document_no
        return cc.ApproveClaim(claim_id, evidence.approval_document_no, key)
    assert action is ClaimAction.PAY and evidence.payment_reference
    return cc.PayClaim(claim_id, evidence.payment_reference, key)


async def _claim(
    history: History,
    claimant: Actor,
    loan_id: int,
    tag: str,
    *,
    claimed: str,
    submitted: date,
    steps: list[tuple[Actor, ClaimAction, Evidence, date]],
) -> None:
    claim = await history.handle(
        cc.SubmitClaim(
            loan_id=loan_id,
            claimed_principal=cny(claimed),
            documents=f"申请材料-{tag}",
            idempotency_key=f"submit-{tag}",
        ),
        claimant,
        submitted,
    )
    assert claim.id is not None
    for actor, action, evidence, day in steps:
        await history.handle(_step(claim.id, action, evidence, f"{action}-{tag}"), actor, day)


def _workflow(
    tag: str, loss: str, days: list[date]
) -> list[tuple[Actor, ClaimAction, Evidence, date]]:
    """Commission, audit, review, approve (and pay, if five dates are given)."""
    steps = [
        (OPERATOR, ClaimAction.COMMISSION_AUDIT, Evidence()),
        (
            AUDITOR,
            ClaimAction.RECORD_AUDIT,
            Evidence(audit_report_ref=f"AUD-{tag}", audited_principal_loss=cny(loss)),
        ),
        (
            SCIENCE,
            ClaimAction.REVIEW,
            Evidence(review_opinion="同意", finance_concurrence=Concurrence(FINANCE, f"财-{tag}")),
        ),
        (CITY, ClaimAction.APPROVE, Evidence(approval_document_no=f"市政府-{tag}")),
        (OPERATOR, ClaimAction.PAY, Evidence(payment_reference=f"PAY-{tag}")),
    ]
    return [(actor, action, ev, day) for (actor, action, ev), day in zip(steps, days, strict=False)]


@pytest.fixture
async def portfolio(database: Any) -> Portfolio:
    app = build(Settings(database_url=database.url, load_demo=False), db=database.db)
    await app.set_up()
    history = History(app, date(2018, 10, 1))
    for n, (day, amount) in enumerate(
        [
            (date(2018, 12, 1), "30000000.00"),
            (date(2019, 6, 1), "30000000.00"),
            (date(2020, 6, 1), "40000000.00"),
        ],
        start=1,
    ):
        await history.handle(
            fc.ReserveTranche(
                tranche_no=n, on=day, amount=cny(amount), idempotency_key=f"tranche-{n}"
            ),
            FINANCE,
        )
    since = date(2018, 10, 1)
    zz = await history.handle(
        pc.RegisterInstitution(name="郑州银行", kind=InstitutionKind.BANK, cooperating_since=since),
        OPERATOR,
    )
    zy = await history.handle(
        pc.RegisterInstitution(name="中原银行", kind=InstitutionKind.BANK, cooperating_since=since),
        OPERATOR,
    )
    gt = await history.handle(
        pc.RegisterInstitution(
            name="中原担保", kind=InstitutionKind.GUARANTOR, cooperating_since=since
        ),
        OPERATOR,
    )
    firm_ids = {}
    for n, (name, sector) in enumerate(
        [("A", "电子信息"), ("B", "生物医药"), ("C", "电子信息"), ("D", "新材料")], start=1
    ):
        firm = await history.handle(
            pc.RegisterFirm(
                name=f"{name}科技",
                uscc=generate_uscc(n),
                sector=sector,
                annual_revenue=cny("30000000.00"),
            ),
            OPERATOR,
        )
        firm_ids[name] = firm.id
    bank_zz = Actor(Role.INSTITUTION, "zz", zz.id)
    bank_zy = Actor(Role.INSTITUTION, "zy", zy.id)
    guarantor = Actor(Role.INSTITUTION, "gt", gt.id)
    ids: dict[str, int] = {}

    async def grant(
        tag: str,
        actor: Actor,
        lender: int,
        firm: str,
        credit: str,
        granted: date,
        maturity: date,
        pool: date | None,
        guarantor_id: int | None = None,
    ) -> int:
        loan = await history.handle(
            lc.GrantLoan(
                contract_no=tag,
                lender_id=lender,
                firm_id=firm_ids[firm],
                loan_type=LoanType.GUARANTEED if guarantor_id else LoanType.BANK_DIRECT,
                credit_line=cny(credit),
                granted_on=granted,
                maturity=maturity,
                guarantor_id=guarantor_id,
            ),
            actor,
        )
        assert loan.id is not None
        if pool is not None:
            if guarantor_id is not None:  # the guarantor consents first (issue 15)
                consent = Actor(Role.INSTITUTION, "guarantor", guarantor_id)
                await history.handle(AcceptGuarantee(loan_id=loan.id), consent, pool)
            await history.handle(lc.EnterPool(loan_id=loan.id), actor, pool)
        ids[tag] = loan.id
        return int(loan.id)

    async def disburse(tag: str, actor: Actor, day: date, amount: str, n: int = 1) -> None:
        await history.handle(
            lc.DisburseLoan(
                loan_id=ids[tag], on=day, amount=cny(amount), idempotency_key=f"d-{tag}-{n}"
            ),
            actor,
        )

    async def repay(tag: str, actor: Actor, day: date, amount: str) -> None:
        await history.handle(
            lc.RepayLoan(loan_id=ids[tag], on=day, amount=cny(amount), idempotency_key=f"r-{tag}"),
            actor,
        )

    # L1: 1.0, compensated in 2024 from the reserve.
    await grant(
        "L1",
        bank_zz,
        zz.id,
        "A",
        "5000000.00",
        date(2023, 1, 10),
        date(2025, 1, 10),
        date(2023, 1, 15),
    )
    await disburse("L1", bank_zz, date(2023, 1, 20), "3000000.00")
    await history.handle(lc.MarkOverdue(loan_id=ids["L1"], since=date(2024, 3, 1)), bank_zz)
    await _claim(
        history,
        bank_zz,
        ids["L1"],
        "L1",
        claimed="1624125.00",
        submitted=date(2024, 5, 10),
        steps=_workflow(
            "L1",
            "1624125.00",
            [
                date(2024, 5, 15),
                date(2024, 6, 1),
                date(2024, 6, 20),
                date(2024, 7, 5),
                date(2024, 7, 20),
            ],
        ),
    )
    # L2: 1.0, overdue in 2025, a withdrawn claim, then one under review.
    await grant(
        "L2",
        bank_zy,
        zy.id,
        "B",
        "2000000.00",
        date(2024, 3, 5),
        date(2026, 3, 5),
        date(2024, 3, 10),
    )
    await disburse("L2", bank_zy, date(2024, 3, 15), "2000000.00")
    await repay("L2", bank_zy, date(2024, 9, 15), "500000.00")
    await history.handle(lc.MarkOverdue(loan_id=ids["L2"], since=date(2025, 3, 1)), bank_zy)
    first = await history.handle(
        cc.SubmitClaim(
            loan_id=ids["L2"],
            claimed_principal=cny("1500000.00"),
            documents="申请材料-L2a",
            idempotency_key="submit-L2a",
        ),
        bank_zy,
        date(2025, 5, 20),
    )
    assert first.id is not None
    await history.handle(
        cc.WithdrawClaim(
            claim_id=first.id,
            idempotency_key="withdraw-L2a",
            reason="补充材料",
        ),
        bank_zy,
        date(2025, 5, 25),
    )
    await _claim(
        history,
        bank_zy,
        ids["L2"],
        "L2b",
        claimed="1500000.00",
        submitted=date(2025, 6, 1),
        steps=[],
    )
    # The fusion: top the reserve back up, fund the pool, move the reserve into it.
    await history.handle(
        fc.TopUp(
            book=BookCode.ZKD_RESERVE,
            on=date(2025, 2, 1),
            amount=cny("1299300.00"),
            reference="补足",
            idempotency_key="topup",
        ),
        FINANCE,
    )
    await history.handle(
        fc.AllocateFunds(
            book=BookCode.CITY_POOL,
            on=date(2025, 2, 6),
            amount=cny("70000000.00"),
            reference="郑好融",
            idempotency_key="alloc",
        ),
        FINANCE,
    )
    await history.handle(
        fc.TransferReserveToPool(
            on=date(2025, 2, 10), amount=cny("100000000.00"), idempotency_key="transfer"
        ),
        FINANCE,
    )
    # L3: 2.0, three movements by 06-30 and one after.
    await grant(
        "L3",
        bank_zz,
        zz.id,
        "C",
        "10000000.00",
        date(2025, 2, 20),
        date(2027, 2, 20),
        date(2025, 2, 25),
    )
    await disburse("L3", bank_zz, date(2025, 3, 1), "4000000.00", 1)
    await disburse("L3", bank_zz, date(2025, 5, 10), "2000000.00", 2)
    await repay("L3", bank_zz, date(2025, 6, 15), "1000000.00")
    # L4: 2.0 guaranteed, approved in June, paid in July.
    await grant(
        "L4",
        bank_zy,
        zy.id,
        "D",
        "3000000.00",
        date(2025, 3, 3),
        date(2026, 3, 3),
        date(2025, 3, 5),
        gt.id,
    )
    await disburse("L4", bank_zy, date(2025, 3, 10), "3000000.00")
    await history.handle(lc.MarkOverdue(loan_id=ids["L4"], since=date(2025, 4, 1)), bank_zy)
    await history.handle(
        lc.RecordPrepayment(
            loan_id=ids["L4"], on=date(2025, 6, 5), amount=cny("3000000.00"), idempotency_key="p-L4"
        ),
        guarantor,
    )
    await _claim(
        history,
        guarantor,
        ids["L4"],
        "L4",
        claimed="3000000.00",
        submitted=date(2025, 6, 10),
        steps=_workflow(
            "L4",
            "2500000.00",
            [
                date(2025, 6, 11),
                date(2025, 6, 12),
                date(2025, 6, 15),
                date(2025, 6, 20),
                date(2025, 7, 10),
            ],
        ),
    )
    # L5 (nothing disbursed), L6 (never in the pool), L7 (enters after 06-30).
    await grant(
        "L5",
        bank_zz,
        zz.id,
        "A",
        "1000000.00",
        date(2025, 6, 25),
        date(2026, 6, 25),
        date(2025, 6, 28),
    )
    await grant("L6", bank_zy, zy.id, "B", "8000000.00", date(2025, 4, 1), date(2026, 4, 1), None)
    await disburse("L6", bank_zy, date(2025, 4, 5), "8000000.00")
    await grant(
        "L7",
        bank_zz,
        zz.id,
        "C",
        "2000000.00",
        date(2025, 6, 29),
        date(2026, 6, 29),
        date(2025, 7, 2),
    )
    await disburse("L3", bank_zz, date(2025, 7, 5), "1000000.00", 3)
    await disburse("L7", bank_zz, date(2025, 7, 3), "2000000.00")
    return Portfolio(database, zz.id, zy.id, gt.id, ids)


def _amounts(figures: LoanFigures) -> dict[str, Any]:
    return {name: getattr(figures, name) for name in ADDITIVE} | {"firm_count": figures.firm_count}


def _expect(**values: str | int) -> dict[str, Any]:
    defaults: dict[str, str | int] = {name: "0.00" for name in ADDITIVE}
    defaults |= {"loan_count": 0, "firm_count": 0}
    defaults |= values
    return {k: cny(v) if isinstance(v, str) else v for k, v in defaults.items()}


JUNE_TOTALS = _expect(
    credit_granted="21000000.00",  # L1..L5
    disbursed="14000000.00",  # 3 + 2 + 6 + 3 million
    repaid="1500000.00",
    outstanding="12500000.00",  # L1 3 + L2 1.5 + L3 5 + L4 3 million
    loan_count=5,
    firm_count=4,
    overdue_principal="7500000.00",  # L1, L2, L4
    compensation_paid="1299300.00",  # L1
    compensation_pending="500000.00",  # L4 approved, unpaid
    claims_in_review="1500000.00",  # L2's second claim (the first was withdrawn)
    loss_numerator="6124125.00",  # L1 compensated 1,624,125 + L2 1.5M + L4 3M triggered
    loss_base="11124125.00",  # ... + L3 5M
)


async def test_totals_as_of_june_end(portfolio: Portfolio) -> None:
    result = await portfolio.stats(StatsQuery(as_of=JUNE_END))
    assert _amounts(result.totals) == JUNE_TOTALS
    assert result.rows == ()
    assert result.totals.overdue_rate == Decimal("0.6")
    assert result.totals.loss_rate == Decimal(6124125) / Decimal(11124125)


async def test_policy_filter_and_as_of_exclude_later_events(portfolio: Portfolio) -> None:
    v2 = await portfolio.stats(StatsQuery(as_of=JUNE_END, policy_code=ZKD_2025.code))
    assert _amounts(v2.totals) == _expect(
        credit_granted="14000000.00",
        disbursed="9000000.00",
        repaid="1000000.00",
        outstanding="8000000.00",
        loan_count=3,
        firm_count=3,
        overdue_principal="3000000.00",
        compensation_pending="500000.00",
        loss_numerator="3000000.00",
        loss_base="8000000.00",
    )
    july = await portfolio.stats(StatsQuery(as_of=JULY_END))
    assert _amounts(july.totals) == _expect(
        credit_granted="23000000.00",  # + L7
        disbursed="17000000.00",  # + L3 1M + L7 2M
        repaid="1500000.00",
        outstanding="15500000.00",
        loan_count=6,
        firm_count=4,
        overdue_principal="7500000.00",
        compensation_paid="1799300.00",  # + L4 500,000
        claims_in_review="1500000.00",
        loss_numerator="5624125.00",  # L1 1,624,125 + L2 1.5M + L4 compensated 2.5M
        loss_base="13624125.00",  # L1 1,624,125 + L2 1.5M + L3 6M + L4 2.5M + L7 2M
    )
    old = await portfolio.stats(StatsQuery(as_of=YEAR_2024_END))
    assert _amounts(old.totals) == _expect(
        credit_granted="7000000.00",
        disbursed="5000000.00",
        repaid="500000.00",
        outstanding="4500000.00",
        loan_count=2,
        firm_count=2,
        overdue_principal="3000000.00",  # L2 falls overdue only in 2025
        compensation_paid="1299300.00",
        loss_numerator="1624125.00",
        loss_base="3124125.00",
    )
    # The day before the payout the L1 claim is approved, not paid.
    before_pay = await portfolio.stats(StatsQuery(as_of=date(2024, 7, 19)))
    assert before_pay.totals.compensation_paid == cny("0.00")
    assert before_pay.totals.compensation_pending == cny("1299300.00")
    assert before_pay.totals.loss_numerator == cny("3000000.00")  # overdue > 60 days


async def test_date_from_limits_flows_not_stocks(portfolio: Portfolio) -> None:
    result = await portfolio.stats(StatsQuery(as_of=JUNE_END, date_from=date(2025, 1, 1)))
    flows = {
        "credit_granted": cny("14000000.00"),  # L3, L4, L5 granted in 2025
        "disbursed": cny("9000000.00"),
        "repaid": cny("1000000.00"),
        "compensation_paid": cny("0.00"),  # L1 was paid in 2024
    }
    assert _amounts(result.totals) == JUNE_TOTALS | flows  # stocks unchanged
    with pytest.raises(RiskpoolError):
        StatsQuery(as_of=JUNE_END, date_from=date(2025, 7, 1))


def _summed(rows: tuple[LoanFigures, ...]) -> dict[str, Any]:
    sums: dict[str, Any] = {}
    for name in ADDITIVE:
        values = [getattr(row, name) for row in rows]
        sums[name] = sum(values[1:], values[0]) if values else None
    return sums


async def test_every_grouping_and_bucketing_adds_up_to_the_totals(portfolio: Portfolio) -> None:
    """Totals never depend on the grouping; rows add up to them, each key once."""
    plain: dict[tuple[date, date | None], StatsResult] = {}
    for as_of, group_by, bucket, date_from in itertools.product(
        [YEAR_2024_END, JUNE_END, JULY_END],
        [None, *GroupBy],
        [None, *Bucket],
        [None, date(2025, 3, 1)],
    ):
        if date_from is not None and date_from > as_of:
            continue
        query = StatsQuery(as_of=as_of, group_by=group_by, bucket=bucket, date_from=date_from)
        result = await portfolio.stats(query)
        if (as_of, date_from) not in plain:
            plain[as_of, date_from] = await portfolio.stats(
                StatsQuery(as_of=as_of, date_from=date_from)
            )
        assert result.totals == plain[as_of, date_from].totals, query
        if group_by is None and bucket is None:
            continue
        assert result.rows, query
        sums = _summed(result.rows)
        expected = {name: getattr(result.totals, name) for name in ADDITIVE}
        assert sums == expected, query
        keys = [row.key for row in result.rows]
        assert len(set(keys)) == len(keys), query


async def test_rows_carry_keys_labels_and_period_figures(portfolio: Portfolio) -> None:
    by_bank = await portfolio.stats(StatsQuery(as_of=JUNE_END, group_by=GroupBy.INSTITUTION))
    rows = {row.key.label: row for row in by_bank.rows}
    assert set(rows) == {"郑州银行", "中原银行"}
    assert rows["郑州银行"].key.group == portfolio.zz
    assert rows["郑州银行"].credit_granted == cny("16000000.00")  # L1, L3, L5
    assert rows["郑州银行"].firm_count == 2  # A twice, C
    assert rows["中原银行"].outstanding == cny("4500000.00")  # L2 1.5M + L4 3M

    by_claimant = await portfolio.stats(StatsQuery(as_of=JUNE_END, group_by=GroupBy.CLAIMANT))
    assert {row.key.label: row.loan_count for row in by_claimant.rows} == {
        "郑州银行": 3,
        "中原银行": 1,
        "中原担保": 1,
    }
    by_type = await portfolio.stats(StatsQuery(as_of=JUNE_END, group_by=GroupBy.LOAN_TYPE))
    assert {(r.key.group, r.key.label): r.outstanding for r in by_type.rows} == {
        ("BANK_DIRECT", "银行直贷类"): cny("9500000.00"),
        ("GUARANTEED", "担保类"): cny("3000000.00"),
    }
    by_policy = await portfolio.stats(StatsQuery(as_of=JUNE_END, group_by=GroupBy.POLICY))
    assert {r.key.group: r.credit_granted for r in by_policy.rows} == {
        "ZKD-1.0": cny("7000000.00"),
        "ZKD-2025": cny("14000000.00"),
    }
    assert by_policy.rows[1].key.label == ZKD_2025.name
    by_sector = await portfolio.stats(StatsQuery(as_of=JUNE_END, group_by=GroupBy.SECTOR))
    assert {r.key.group: r.firm_count for r in by_sector.rows} == {
        "电子信息": 2,
        "生物医药": 1,
        "新材料": 1,
    }

    months = await portfolio.stats(StatsQuery(as_of=JUNE_END, bucket=Bucket.MONTH))
    by_month = {row.key.bucket: row for row in months.rows}
    assert list(by_month) == [
        "2023-01",
        "2024-03",
        "2024-07",
        "2024-09",
        "2025-02",
        "2025-03",
        "2025-05",
        "2025-06",
    ]
    march = by_month["2025-03"]
    assert (march.credit_granted, march.disbursed, march.outstanding, march.loan_count) == (
        cny("3000000.00"),  # L4 granted
        cny("7000000.00"),  # L3 4M + L4 3M disbursed
        cny("3000000.00"),  # L4's vintage
        1,
    )
    assert by_month["2024-07"].compensation_paid == cny("1299300.00")
    assert by_month["2025-06"].repaid == cny("1000000.00")
    quarters = await portfolio.stats(StatsQuery(as_of=JULY_END, bucket=Bucket.QUARTER))
    assert {r.key.bucket: r.disbursed for r in quarters.rows if r.disbursed.amount} == {
        "2023-Q1": cny("3000000.00"),
        "2024-Q1": cny("2000000.00"),
        "2025-Q1": cny("7000000.00"),
        "2025-Q2": cny("2000000.00"),
        "2025-Q3": cny("3000000.00"),
    }
    assert next(r for r in quarters.rows if r.key.bucket == "2025-Q3").compensation_paid == cny(
        "500000.00"
    )
    years = await portfolio.stats(
        StatsQuery(
            as_of=JUNE_END, bucket=Bucket.YEAR, group_by=GroupBy.POLICY, policy_code=ZKD_2025.code
        )
    )
    assert [(r.key.group, r.key.bucket, r.credit_granted, r.disbursed) for r in years.rows] == [
        ("ZKD-2025", "2025", cny("14000000.00"), cny("9000000.00"))
    ]


async def test_institution_scope_sees_only_its_loans(portfolio: Portfolio) -> None:
    zy = await portfolio.stats(
        StatsQuery(as_of=JUNE_END, institution_id=portfolio.zy, group_by=GroupBy.INSTITUTION)
    )
    assert (zy.totals.loan_count, zy.totals.credit_granted, zy.totals.outstanding) == (
        2,
        cny("5000000.00"),
        cny("4500000.00"),  # L2, L4 (L6 is not in the pool)
    )
    assert [row.key.group for row in zy.rows] == [portfolio.zy]
    gt = await portfolio.stats(
        StatsQuery(as_of=JUNE_END, institution_id=portfolio.gt, bucket=Bucket.MONTH)
    )
    assert _amounts(gt.totals) == _expect(
        credit_granted="3000000.00",
        disbursed="3000000.00",
        outstanding="3000000.00",
        loan_count=1,
        firm_count=1,
        overdue_principal="3000000.00",
        compensation_pending="500000.00",
        loss_numerator="3000000.00",
        loss_base="3000000.00",
    )
    assert {row.key.bucket for row in gt.rows} == {"2025-03"}
    zz = await portfolio.stats(
        StatsQuery(as_of=JULY_END, institution_id=portfolio.zz, loan_type=LoanType.GUARANTEED)
    )
    assert zz.totals.loan_count == 0 and zz.totals.outstanding == cny("0.00")
    assert zz.totals.overdue_rate is None and zz.totals.loss_rate is None


async def test_an_institution_reader_sees_no_other_institution(portfolio: Portfolio) -> None:
    """``visible_to`` (an institution user's scope): the guarantor's loan is lent by 中原银行,
    whose id and name the guarantor must not read; a filter on another id answers zeros."""
    own = await portfolio.stats(StatsQuery(as_of=JUNE_END, institution_id=portfolio.gt))
    by_lender = await portfolio.stats(
        StatsQuery(as_of=JUNE_END, group_by=GroupBy.INSTITUTION, visible_to=portfolio.gt)
    )
    assert by_lender.totals == own.totals
    assert [(r.key.group, r.key.label) for r in by_lender.rows] == [(None, None)]
    assert by_lender.rows[0].outstanding == own.totals.outstanding
    by_claimant = await portfolio.stats(
        StatsQuery(as_of=JUNE_END, group_by=GroupBy.CLAIMANT, visible_to=portfolio.gt)
    )
    assert [r.key.group for r in by_claimant.rows] == [portfolio.gt]  # itself, named
    for other in (portfolio.zy, portfolio.zz, 987_654):
        asked = await portfolio.stats(
            StatsQuery(as_of=JUNE_END, institution_id=other, visible_to=portfolio.gt)
        )
        assert asked.totals.loan_count == 0 and asked.totals.outstanding == cny("0.00")


async def test_the_figures_refuse_a_day_without_an_end() -> None:
    with pytest.raises(RiskpoolError) as refused:
        StatsQuery(as_of=date.max)
    assert refused.value.field == "asOf"


async def test_claimant_loss_rate_is_suspensions(portfolio: Portfolio) -> None:
    result = await portfolio.stats(StatsQuery(as_of=JULY_END, group_by=GroupBy.CLAIMANT))
    async with SqlUnitOfWork(portfolio.database.db) as uow:
        every = list((await uow.loans.get_many(list(portfolio.loans.values()))).values())
        compensated = compensated_principal_by_loan(
            await uow.claims.for_loans(portfolio.loans.values())
        )
    assert len(result.rows) == 3
    for row in result.rows:
        assert isinstance(row.key.group, int)
        model = loss_rate(row.key.group, every, compensated, ZKD_2025, JULY_END)
        assert (row.loss_numerator, row.loss_base, row.loan_count) == (
            model.bad,
            model.base,
            model.loans_counted,
        )
        assert row.loss_rate == model.rate
    # And every loan's outstanding is the model's.
    assert result.totals.outstanding == sum(
        (
            loan.outstanding(JULY_END)
            for loan in every
            if loan.pool_entry and loan.pool_entry.on <= JULY_END
        ),
        cny("0.00"),
    )


POOL_CASES = [
    # as_of, reserve cash, pool cash, payable, policy in force, floor's book, shortfall
    (YEAR_2024_END, "98700700.00", "0.00", "0.00", "ZKD-1.0", BookCode.ZKD_RESERVE, "0.00"),
    (
        date(2024, 7, 10),
        "100000000.00",
        "0.00",
        "1299300.00",
        "ZKD-1.0",
        BookCode.ZKD_RESERVE,
        "0.00",
    ),
    # The day of the fusion: the pool holds only its allocation, 30M under its 100M floor.
    (
        date(2025, 2, 6),
        "100000000.00",
        "70000000.00",
        "0.00",
        "ZKD-2025",
        BookCode.CITY_POOL,
        "30000000.00",
    ),
    # The seed: right after the transfer the pool holds 1.7亿.
    (JUNE_END, "0.00", "170000000.00", "500000.00", "ZKD-2025", BookCode.CITY_POOL, "0.00"),
    (JULY_END, "0.00", "169500000.00", "0.00", "ZKD-2025", BookCode.CITY_POOL, "0.00"),
]


async def test_pool_figures_are_the_ledgers(portfolio: Portfolio) -> None:
    ledger = Ledger(portfolio.database.db)
    for as_of, reserve, pool, payable, policy, floor_book, shortfall in POOL_CASES:
        async with portfolio.database.db.transaction(write=False) as conn:
            figures = await pool_statistics(conn, as_of)
        reserve_cash = await ledger.balance("ZKD_RESERVE", Acct.CASH, as_of)
        assert figures.reserve_cash == reserve_cash == cny(reserve), as_of
        pool_cash = await ledger.balance("CITY_POOL", Acct.CASH, as_of)
        assert figures.pool_cash == pool_cash == cny(pool), as_of
        owed = -(
            await ledger.balance("ZKD_RESERVE", Acct.COMPENSATION_PAYABLE, as_of)
            + await ledger.balance("CITY_POOL", Acct.COMPENSATION_PAYABLE, as_of)
        )
        assert figures.compensation_payable == owed == cny(payable), as_of
        loans_now = await portfolio.stats(StatsQuery(as_of=as_of))
        assert figures.outstanding == loans_now.totals.outstanding
        # The approved-unpaid payable is the loans' pending compensation.
        assert figures.compensation_payable == loans_now.totals.compensation_pending
        assert figures.coverage == figures.cash.amount / figures.outstanding.amount
        assert (figures.policy_code, figures.floor_book, figures.shortfall) == (
            policy,
            floor_book,
            cny(shortfall),
        )
        assert figures.available == figures.cash - figures.compensation_payable
    async with portfolio.database.db.transaction(write=False) as conn:
        before = await pool_statistics(conn, date(2018, 9, 30))  # no policy, nothing posted
    assert (before.cash, before.policy_code, before.floor, before.coverage) == (
        cny("0.00"),
        None,
        None,
        None,
    )
    assert before.shortfall == cny("0.00")
