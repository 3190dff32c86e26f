"""The demo data set reproduces every figure of the seed, on both dialects, and loads idempotently.

Every expected figure below is the seed's (BRIEF, "Facts from the seed"), written
out literally; every actual figure is read back from the ledger or from the
domain tables with SQL aggregates, never from the generator's constants.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from moneyed import Money
from sqlalchemy import MetaData, func, select

from riskpool.bootstrap import App, build
from riskpool.demo import DemoReport, load_demo
from riskpool.domain.commands.loans import RecordRecovery
from riskpool.domain.model.chart import Acct
from riskpool.domain.model.claim import ClaimState
from riskpool.domain.model.dates import add_months
from riskpool.domain.model.uscc import is_valid_uscc
from riskpool.domain.persistence.repositories import ClaimRepository
from riskpool.domain.persistence.tables import (
    claims,
    firms,
    institutions,
    loan_movements,
    loans,
)
from riskpool.ledger.model import JournalEntry
from riskpool.ledger.service import Ledger
from riskpool.ledger.verify import verify
from riskpool.settings import Settings

BOOKS = ("ZKD_RESERVE", "CITY_POOL", "MEMO")
EVER = (date(2018, 1, 1), date(2026, 12, 31))


def cny(value: str) -> Money:
    return Money(Decimal(value), "CNY")


def demo_app(database: Any) -> App:
    return build(Settings(database_url=database.url, load_demo=False), db=database.db)


def fen(value: str) -> int:
    return int(Decimal(value) * 100)


async def _lines(ledger: Ledger, book: str, account: str, start: date, end: date) -> list[Any]:
    return list((await ledger.statement(book, account, start, end)).lines)


async def _entries(ledger: Ledger, lines: list[Any]) -> list[JournalEntry]:
    return [await ledger.entry(line.entry_id) for line in lines]


async def _snapshot(database: Any) -> dict[str, Any]:
    """Every row of every table (ordered), plus each book's trial balance: the whole content."""
    ledger = Ledger(database.db)
    snapshot: dict[str, Any] = {}
    async with database.db.transaction(write=False) as conn:
        reflected = MetaData()
        await conn.run_sync(reflected.reflect)
        for name, table in sorted(reflected.tables.items()):
            order = list(table.primary_key.columns) or list(table.columns)
            rows = (await conn.execute(select(table).order_by(*order))).all()
            snapshot[name] = [tuple(row) for row in rows]
    for book in BOOKS:
        tb = await ledger.trial_balance(book)
        snapshot[f"tb:{book}"] = [(r.account.code, r.debits, r.credits) for r in tb.rows]
    return snapshot


async def test_demo_reproduces_every_seed_figure(database: Any) -> None:
    report = await load_demo(demo_app(database))
    ledger = Ledger(database.db)

    # 1亿 reserve in 3 tranches (郑政办[2018]97号).
    tranches = await _lines(ledger, "ZKD_RESERVE", Acct.FINANCE_ALLOCATION, *EVER)
    assert len(tranches) == 3
    assert sum((line.amount for line in tranches), cny("0.00")) == cny("-100000000.00")
    assert sorted(e.metadata["tranche_no"] for e in await _entries(ledger, tranches)) == [1, 2, 3]

    async with database.db.transaction(write=False) as conn:
        zzb = (
            await conn.execute(select(institutions.c.id).where(institutions.c.name == "郑州银行"))
        ).scalar_one()
        paid_1_0 = (
            await conn.execute(
                select(claims.c.id, claims.c.loan_id, claims.c.paid_amount)
                .select_from(claims.join(loans, loans.c.id == claims.c.loan_id))
                .where(
                    claims.c.policy_code == "ZKD-1.0",
                    claims.c.state == "PAID",
                    loans.c.lender_id == zzb,
                )
            )
        ).all()

    # 2024-07: 2,319,300.00 to 郑州银行 for 2 loans under 郑科贷1.0.
    payouts = [
        line
        for line in await _lines(
            ledger, "ZKD_RESERVE", Acct.CASH, date(2024, 7, 1), date(2024, 7, 31)
        )
        if line.amount.amount < 0
    ]
    entries = await _entries(ledger, payouts)
    assert len(entries) == 2
    assert all(e.metadata["institution_id"] == zzb for e in entries)
    assert all(e.metadata["policy_code"] == "ZKD-1.0" for e in entries)
    assert {e.metadata["loan_id"] for e in entries} == {row.loan_id for row in paid_1_0}
    assert {e.metadata["claim_id"] for e in entries} == {row.id for row in paid_1_0}
    assert -sum((line.amount for line in payouts), cny("0.00")) == cny("2319300.00")
    assert sum(row.paid_amount for row in paid_1_0) == fen("2319300.00")
    assert set(report.first_compensation_claim_ids) == {row.id for row in paid_1_0}
    # That was the reserve's only compensation ever.
    assert await ledger.balance("ZKD_RESERVE", Acct.COMPENSATION_EXPENSE) == cny("2319300.00")

    # The Finance Bureau tops the reserve back up by the same amount, before the transfer.
    topups = await _lines(ledger, "ZKD_RESERVE", Acct.FINANCE_TOPUP, *EVER)
    assert [line.amount for line in topups] == [cny("-2319300.00")]

    # The 1亿 transfer: one entry in each fund book, linked by metadata.
    out = await _lines(ledger, "ZKD_RESERVE", Acct.TRANSFER_OUT, *EVER)
    into = await _lines(ledger, "CITY_POOL", Acct.TRANSFER_IN, *EVER)
    assert [line.amount for line in out] == [cny("100000000.00")]
    assert [line.amount for line in into] == [cny("-100000000.00")]
    out_entry, into_entry = await _entries(ledger, out + into)
    assert out_entry.metadata["transfer"] == into_entry.metadata["transfer"]
    assert report.transfer_entry_ids == (out_entry.id, into_entry.id)
    transfer_day = out_entry.effective_date
    assert into_entry.effective_date == transfer_day >= date(2025, 2, 6)
    assert topups[0].effective_date < transfer_day

    # The pool holds exactly 1.7亿 right after the transfer; the reserve is empty.
    assert await ledger.balance("CITY_POOL", Acct.CASH, transfer_day) == cny("170000000.00")
    assert await ledger.balance("ZKD_RESERVE", Acct.CASH, transfer_day) == cny("0.00")
    assert await ledger.balance("ZKD_RESERVE", Acct.CASH) == cny("0.00")
    assert report.pool_cash_after_transfer == cny("170000000.00")

    async with database.db.transaction(write=False) as conn:
        # 15 cooperating institutions, 郑州银行 among them, banks and guarantee companies.
        kinds = Counter(row.kind for row in await conn.execute(select(institutions.c.kind)))
        assert sum(kinds.values()) == 15 == report.institutions
        assert kinds["GUARANTOR"] >= 3

        # 郑科贷2.0 by 2025-06-30: 4.9亿 credit granted, 2.8亿 disbursed.
        zkd2 = loans.c.policy_code == "ZKD-2025"
        credit = (
            await conn.execute(
                select(func.sum(loans.c.credit_line)).where(
                    zkd2, loans.c.granted_on <= date(2025, 6, 30)
                )
            )
        ).scalar_one()
        disbursed = (
            await conn.execute(
                select(func.sum(loan_movements.c.amount))
                .select_from(loan_movements.join(loans, loans.c.id == loan_movements.c.loan_id))
                .where(
                    zkd2,
                    loan_movements.c.kind == "DISBURSEMENT",
                    loan_movements.c.on_date <= date(2025, 6, 30),
                )
            )
        ).scalar_one()
        assert int(credit) == fen("490000000.00")
        assert int(disbursed) == fen("280000000.00")
        assert report.zkd2_credit == cny("490000000.00")
        assert report.zkd2_disbursed == cny("280000000.00")
        # ... and there is business after that date, which the figures leave out.
        later = (
            await conn.execute(
                select(func.count())
                .select_from(loan_movements.join(loans, loans.c.id == loan_movements.c.loan_id))
                .where(
                    zkd2,
                    loan_movements.c.kind == "DISBURSEMENT",
                    loan_movements.c.on_date > date(2025, 6, 30),
                )
            )
        ).scalar_one()
        assert later > 0

        # Claims in every workflow state; the 2025 ones at 50% (bank) and 20% (guaranteed).
        states = {row.state for row in await conn.execute(select(claims.c.state))}
        assert states == {s.value for s in ClaimState}
        assessed = (
            await conn.execute(
                select(claims.c.loan_type, claims.c.audited_loss, claims.c.compensation).where(
                    claims.c.policy_code == "ZKD-2025", claims.c.compensation.is_not(None)
                )
            )
        ).all()
        assert {row.loan_type for row in assessed} == {"BANK_DIRECT", "GUARANTEED"}
        for row in assessed:
            ratio = Decimal("0.5") if row.loan_type == "BANK_DIRECT" else Decimal("0.2")
            assert row.compensation == int(row.audited_loss * ratio)
        types_2025 = {
            (row.state, row.loan_type)
            for row in await conn.execute(
                select(claims.c.state, claims.c.loan_type).where(claims.c.policy_code == "ZKD-2025")
            )
        }
        assert {state for state, _ in types_2025} == {s.value for s in ClaimState}
        assert ("PAID", "GUARANTEED") in types_2025

        # Guaranteed loans with guarantor prepayments (代偿), each one a MEMO entry.
        prepayments = (
            await conn.execute(
                select(loan_movements.c.loan_id, loan_movements.c.amount, loans.c.guarantor_id)
                .select_from(loan_movements.join(loans, loans.c.id == loan_movements.c.loan_id))
                .where(loan_movements.c.kind == "PREPAYMENT")
            )
        ).all()
        guaranteed_claims = (
            await conn.execute(
                select(claims.c.loan_id, claims.c.claimed_principal, claims.c.claimant_id).where(
                    claims.c.loan_type == "GUARANTEED"
                )
            )
        ).all()

        # Domain rules hold across the data set: per-firm cap across lenders, term, USCC.
        per_firm = (
            await conn.execute(
                select(loans.c.firm_id, func.sum(loans.c.credit_line).label("credit"))
                .where(loans.c.pool_entry_on.is_not(None))
                .group_by(loans.c.firm_id)
            )
        ).all()
        assert max(row.credit for row in per_firm) <= fen("20000000.00")
        terms = (await conn.execute(select(loans.c.granted_on, loans.c.maturity))).all()
        assert all(row.maturity <= add_months(row.granted_on, 36) for row in terms)
        usccs = (await conn.execute(select(firms.c.uscc, firms.c.name, firms.c.sector))).all()
        assert usccs and all(is_valid_uscc(row.uscc) for row in usccs)
        assert all(row.name.startswith("郑州") and row.sector for row in usccs)

    assert len({row.loan_id for row in prepayments}) >= 3
    assert all(row.guarantor_id is not None for row in prepayments)
    prepaid: Counter[int] = Counter()
    for row in prepayments:
        prepaid[row.loan_id] += row.amount
    assert len(guaranteed_claims) >= 3
    for row in guaranteed_claims:
        assert prepaid[row.loan_id] >= row.claimed_principal
    memo = await _lines(ledger, "MEMO", Acct.PREPAYMENT_MEMO, *EVER)
    assert len(memo) == len(prepayments)
    assert sum(line.amount.amount for line in memo) * 100 == sum(prepaid.values())
    memo_loans = {e.metadata["loan_id"] for e in await _entries(ledger, memo)}
    assert memo_loans == set(prepaid)

    # A recovery after compensation returned the pool's pro-rata share.
    recoveries = await _lines(ledger, "CITY_POOL", Acct.RECOVERY_INCOME, *EVER)
    assert recoveries and all(line.effective_date > transfer_day for line in recoveries)
    # Interest and a management fee within the cap (1% a year), after the transfer.
    interest = await _lines(ledger, "CITY_POOL", Acct.INTEREST_INCOME, *EVER)
    fees = await _lines(ledger, "CITY_POOL", Acct.MANAGEMENT_FEE, *EVER)
    assert interest and fees
    assert all(line.effective_date > transfer_day for line in interest + fees)
    assert sum((line.amount for line in fees), cny("0.00")) <= cny("1700000.00")
    # Every pool movement but the allocation and the transfer is dated after the transfer.
    pool_cash = await _lines(ledger, "CITY_POOL", Acct.CASH, *EVER)
    early = [line for line in pool_cash if line.effective_date <= transfer_day]
    assert len(early) == 2

    # Claim trails carry aware timestamps.
    async with database.db.transaction(write=False) as conn:
        claim = await ClaimRepository(conn).get(report.first_compensation_claim_ids[0])
    assert all(e.at.tzinfo is not None for e in claim.trail)

    # The books verify and balance.
    for book in BOOKS:
        assert (await ledger.trial_balance(book)).balanced
    async with database.db.transaction(write=False) as conn:
        assert (await verify(conn)).ok


async def test_loading_twice_changes_nothing(database: Any) -> None:
    first = await load_demo(demo_app(database))
    before = await _snapshot(database)
    second = await load_demo(demo_app(database))
    after = await _snapshot(database)
    assert first == second
    assert before.keys() == after.keys()
    for name in before:
        assert before[name] == after[name], name
    assert sum(len(rows) for name, rows in before.items() if not name.startswith("tb:")) > 500


async def test_an_interrupted_load_completes(
    database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    app = demo_app(database)
    handle = app.bus.import_history

    async def crashing(command: Any, actor: Any, **when: Any) -> Any:
        nonlocal calls
        if isinstance(command, RecordRecovery):
            calls += 1
            raise RuntimeError("simulated crash in the middle of the load")
        return await handle(command, actor, **when)

    monkeypatch.setattr(app.bus, "import_history", crashing)
    with pytest.raises(RuntimeError):
        await load_demo(app)
    assert calls == 1
    report = await load_demo(demo_app(database))
    assert isinstance(report, DemoReport)
    assert (report.institutions, report.loans) == (15, 106)
    assert report.claims_by_state["PAID"] == 5
    assert report.pool_cash_after_transfer == cny("170000000.00")
    assert report.zkd2_credit == cny("490000000.00")
    assert report.zkd2_disbursed == cny("280000000.00")
    ledger = Ledger(database.db)
    assert len(await _lines(ledger, "CITY_POOL", Acct.RECOVERY_INCOME, *EVER)) == 1
    async with database.db.transaction(write=False) as conn:
        assert (await verify(conn)).ok
