"""Innovation points through the use cases, on both dialects: local indicators, submissions,
scoring runs stored with their contributions, tiers on firms, statistics by tier, warnings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from moneyed import Money
from sqlalchemy import update

from riskpool.bootstrap import App, build
from riskpool.domain.commands import innovation as ic
from riskpool.domain.commands import loans as lc
from riskpool.domain.commands import parties as pc
from riskpool.domain.model.innovation.catalogue import NATIONAL_CORE, IndicatorGroup, Stage, Unit
from riskpool.domain.model.innovation.submission import SubmissionRejected
from riskpool.domain.model.innovation.warnings import WarningKind, WarningLimits
from riskpool.domain.model.parties import Actor, InstitutionKind, Role
from riskpool.domain.model.policy import LoanType
from riskpool.domain.model.uscc import generate_uscc
from riskpool.domain.persistence import statistics as stats
from riskpool.domain.persistence.innovation_tables import innovation_submissions
from riskpool.domain.persistence.repositories import FirmRepository
from riskpool.domain.views import innovation as innovation_views
from riskpool.domain.views import warnings as warning_views
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.settings import Settings

OPERATOR = Actor(Role.OPERATOR, "op")
AT = datetime(2025, 1, 15, 2, tzinfo=UTC)
REQUIRED = [i.code for i in NATIONAL_CORE if i.group is not IndicatorGroup.AUXILIARY]


def cny(value: str) -> Money:
    return Money(Decimal(value), "CNY")


async def read(db: Any, view: Any, actor: Actor, *args: Any, **kwargs: Any) -> Any:
    """``view`` for ``actor`` in one read transaction, as the API's snapshot runs it."""
    async with db.transaction(write=False) as conn:
        return await view(actor, conn, *args, **kwargs)


def values(level: int) -> dict[str, Decimal | None]:
    return {code: Decimal(level) for code in REQUIRED}


async def world(db: Any, firms: int = 5) -> tuple[int, int, list[int]]:
    bank = await imported(
        db, pc.RegisterInstitution(name="甲银行", kind=InstitutionKind.BANK), OPERATOR
    )
    other = await imported(
        db, pc.RegisterInstitution(name="乙银行", kind=InstitutionKind.BANK), OPERATOR
    )
    ids = []
    for i in range(firms):
        firm = await imported(
            db,
            pc.RegisterFirm(
                name=f"郑州{i}科技",
                uscc=generate_uscc(500 + i),
                sector="电子信息" if i % 2 else "生物医药",
                annual_revenue=cny("1000000.00"),
            ),
            OPERATOR,
        )
        ids.append(int(firm.id))  # type: ignore[arg-type]
    return int(bank.id), int(other.id), ids  # type: ignore[arg-type]


def _app(db: Any) -> App:
    return build(Settings(database_url="sqlite+aiosqlite://", load_demo=False), db=db)


async def imported(db: Any, command: Any, actor: Actor, at: datetime = AT) -> Any:
    """The tests' records are history (2025): they enter by the operator's import path."""
    return await _app(db).bus.import_history(command, actor, at=at, importer=OPERATOR)


def _on(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)


async def submit(db: Any, actor: Actor, **fields: Any) -> Any:
    at = fields.pop("at", AT)
    return await imported(db, ic.SubmitIndicators(**fields), actor, at)


async def score(db: Any, actor: Actor, **fields: Any) -> Any:
    at = fields.pop("at", AT)
    return await imported(db, ic.RunScoring(**fields), actor, at)


async def define(db: Any, actor: Actor, **fields: Any) -> Any:
    at = fields.pop("at", AT)
    return await imported(db, ic.DefineLocalIndicator(**fields), actor, at)


async def grant(db: Any, actor: Actor, **fields: Any) -> Any:
    return await imported(db, lc.GrantLoan(**fields), actor, _on(fields["granted_on"]))


async def test_submit_score_and_store_tiers(database: Any) -> None:
    db = database.db
    _, _, firm_ids = await world(db)
    for level, firm_id in enumerate(firm_ids, 1):
        await submit(
            db, OPERATOR, firm_id=firm_id, year=2024, stage=Stage.GROWTH, values=values(level),
            source="企业自报", at=AT,
        )  # fmt: skip
    # A correction supersedes the first submission of firm 0: now it is the best.
    corrected = await submit(
        db, OPERATOR, firm_id=firm_ids[0], year=2024, stage="GROWTH", values=values(99),
        source="税务数据", at=AT,
    )  # fmt: skip
    assert corrected.id is not None and corrected.source == "税务数据"
    run = await score(db, OPERATOR, year=2024, at=AT)
    tiers = {s.firm_id: s.tier for s in run.scores}
    assert tiers == {firm_ids[0]: 5, firm_ids[1]: 1, firm_ids[2]: 2, firm_ids[3]: 3, firm_ids[4]: 4}
    stored = await read(db, innovation_views.scores, OPERATOR, year=2024)
    assert stored is not None
    assert stored.scores == run.scores  # read back exactly, contributions included
    assert stored.run.catalogue_version == "NAT-2024"
    assert {s.submission_id for s in stored.scores} >= {corrected.id}
    again = await score(db, OPERATOR, year=2024, at=AT)
    assert again.run.id != run.run.id and again.scores == run.scores  # reproducible
    async with db.transaction(write=False) as conn:  # the firms' current tiers are set
        found = await FirmRepository(conn).get_many(firm_ids)
    assert {f: found[f].innovation_tier for f in firm_ids} == tiers


async def test_submissions_are_validated_and_append_only(database: Any) -> None:
    db = database.db
    _, _, firm_ids = await world(db, firms=1)
    bad = values(1) | {"REVENUE": None, "TECH_STAFF_SHARE": Decimal("120")}
    with pytest.raises(SubmissionRejected) as rejected:
        await submit(
            db, OPERATOR, firm_id=firm_ids[0], year=2024, stage="GROWTH", values=bad, source="s"
        )
    assert {p.field for p in rejected.value.problems} == {
        "values.REVENUE",
        "values.TECH_STAFF_SHARE",
    }
    await submit(
        db, OPERATOR, firm_id=firm_ids[0], year=2024, stage="GROWTH", values=values(1), source="s"
    )
    with pytest.raises(Exception):  # noqa: B017 - the database's trigger refuses
        async with db.transaction() as conn:
            await conn.execute(update(innovation_submissions).values(source="x"))
    with pytest.raises(RiskpoolError) as nothing:
        await score(db, OPERATOR, year=2023)
    assert nothing.value.code is ErrorCode.VALIDATION


async def test_who_may_submit_define_and_score(database: Any) -> None:
    db = database.db
    bank, other, firm_ids = await world(db, firms=2)
    await _app(db).set_up()
    await grant(
        db, OPERATOR, contract_no="L-1", lender_id=bank, firm_id=firm_ids[0],
        loan_type=LoanType.BANK_DIRECT, credit_line=cny("100000.00"),
        granted_on=date(2025, 3, 1), maturity=date(2026, 3, 1),
    )  # fmt: skip
    lender = Actor(Role.INSTITUTION, "bank", bank)
    stranger = Actor(Role.INSTITUTION, "other", other)
    made = await submit(
        db, lender, firm_id=firm_ids[0], year=2024, stage="STARTUP", values=values(1), source="银行"
    )
    assert made.submitted_by == lender
    with pytest.raises(RiskpoolError) as refused:
        await submit(
            db,
            stranger,
            firm_id=firm_ids[0],
            year=2024,
            stage="STARTUP",
            values=values(1),
            source="x",
        )
    # A firm it does not lend to is answered as a missing firm (issue 15).
    assert refused.value.code is ErrorCode.NOT_FOUND
    assert refused.value.message == f"no firm #{firm_ids[0]}"
    for actor in (lender, Actor(Role.VIEWER, "v")):
        with pytest.raises(RiskpoolError) as forbidden:
            await score(db, actor, year=2024)
        assert forbidden.value.code is ErrorCode.FORBIDDEN
        with pytest.raises(RiskpoolError):
            await define(
                db, actor, code="L_A", name="a", unit=Unit.COUNT, minimum=Decimal(0),
                maximum=Decimal(9), weights={Stage.STARTUP: Decimal(1)},
            )  # fmt: skip
    # Scores are scoped: the stranger sees none of the lender's firm.
    await score(db, OPERATOR, year=2024)
    mine = await read(db, innovation_views.scores, Actor(Role.INSTITUTION, "b", bank))
    theirs = await read(db, innovation_views.scores, Actor(Role.INSTITUTION, "o", other))
    assert mine is not None and [s.firm_id for s in mine.scores] == [firm_ids[0]]
    assert theirs is not None and theirs.scores == ()
    # The pool-wide figures stay with the pool's offices: the run counts visible firms only.
    assert (mine.run.firm_count, theirs.run.firm_count) == (1, 0)
    assert not mine.cohort_shown and not theirs.cohort_shown


async def test_local_indicators_version_the_catalogue(database: Any) -> None:

    async def read_catalogue(version: str | None = None) -> Any:
        return await read(database.db, innovation_views.catalogue, OPERATOR, version)

    assert (await read_catalogue()).version == "NAT-2024"
    catalogue = await define(
        database.db, OPERATOR, code="L_TAX", name="纳税", unit=Unit.YUAN, minimum=Decimal(0),
        maximum=Decimal("100000000.00"), weights={s: Decimal(5) for s in Stage}, at=AT,
    )  # fmt: skip
    assert catalogue.version == "NAT-2024+L1" and "L_TAX" in catalogue
    assert (await read_catalogue("NAT-2024")).version == "NAT-2024"
    assert (await read_catalogue("NAT-2024+L1")) == catalogue
    with pytest.raises(RiskpoolError) as duplicate:
        await define(
            database.db, OPERATOR, code="L_TAX", name="纳税", unit=Unit.YUAN, minimum=Decimal(0),
            maximum=Decimal(1), weights={Stage.STARTUP: Decimal(1)},
        )  # fmt: skip
    assert duplicate.value.code is ErrorCode.DUPLICATE
    with pytest.raises(RiskpoolError):
        await read_catalogue("NAT-2024+L7")


async def test_statistics_by_tier_sum_to_the_totals(database: Any) -> None:
    db = database.db
    bank, _, firm_ids = await world(db, firms=4)
    app = _app(db)
    await app.set_up()
    for level, firm_id in enumerate(firm_ids[:3], 1):
        await submit(
            db,
            OPERATOR,
            firm_id=firm_id,
            year=2024,
            stage="MATURE",
            values=values(level),
            source="s",
        )
    await score(db, OPERATOR, year=2024)
    for n, firm_id in enumerate(firm_ids):
        loan = await grant(
            db, OPERATOR, contract_no=f"T-{n}", lender_id=bank, firm_id=firm_id,
            loan_type=LoanType.BANK_DIRECT, credit_line=cny(f"{n + 1}00000.00"),
            granted_on=date(2025, 3, 1), maturity=date(2026, 3, 1),
        )  # fmt: skip
        entered = await imported(
            db, lc.EnterPool(loan_id=int(loan.id)), OPERATOR, _on(date(2025, 3, 2))
        )
        assert entered.pool_entry is not None
        await imported(
            db,
            lc.DisburseLoan(
                loan_id=int(loan.id), on=date(2025, 3, 3), amount=cny("50000.00"),
                idempotency_key=f"d-{n}",
            ),
            OPERATOR,
            _on(date(2025, 3, 3)),
        )  # fmt: skip
    async with db.transaction(write=False) as conn:  # each loan keeps its tier at entry
        from riskpool.domain.persistence.repositories import LoanRepository

        stored = await LoanRepository(conn).for_firm(firm_ids[0])
        firm_tier = (await FirmRepository(conn).get(firm_ids[0])).innovation_tier
    assert stored[0].pool_entry is not None
    assert stored[0].pool_entry.innovation_tier == firm_tier == 1
    async with db.transaction(write=False) as conn:
        result = await stats.loan_statistics(
            conn, stats.StatsQuery(as_of=date(2025, 6, 30), group_by=stats.GroupBy.TIER)
        )
    labels = {row.key.label: row.loan_count for row in result.rows}
    assert labels == {"第1档": 1, "第3档": 1, "第5档": 1, "未评级": 1}
    assert sum(r.loan_count for r in result.rows) == result.totals.loan_count == 4
    assert sum((r.credit_granted for r in result.rows), cny("0")) == result.totals.credit_granted
    assert sum((r.outstanding for r in result.rows), cny("0")) == result.totals.outstanding


async def test_warnings_service_near_trigger_and_scoping(database: Any) -> None:
    db = database.db
    bank, other, firm_ids = await world(db, firms=2)
    app = _app(db)
    await app.set_up()
    ids = []
    for n, (lender, firm_id) in enumerate(((bank, firm_ids[0]), (other, firm_ids[1]))):
        loan = await grant(
            db, OPERATOR, contract_no=f"W-{n}", lender_id=lender, firm_id=firm_id,
            loan_type=LoanType.BANK_DIRECT, credit_line=cny("100000.00"),
            granted_on=date(2025, 3, 1), maturity=date(2026, 3, 1),
        )  # fmt: skip
        await imported(db, lc.EnterPool(loan_id=int(loan.id)), OPERATOR, _on(date(2025, 3, 2)))
        await imported(
            db,
            lc.DisburseLoan(
                loan_id=int(loan.id), on=date(2025, 3, 3), amount=cny("100000.00"),
                idempotency_key=f"w-{n}",
            ),
            OPERATOR,
            _on(date(2025, 3, 3)),
        )  # fmt: skip
        overdue = lc.MarkOverdue(loan_id=int(loan.id), since=date(2025, 7, 1))
        await imported(db, overdue, OPERATOR, _on(date(2025, 7, 1)))
        ids.append(int(loan.id))  # type: ignore[arg-type]

    async def warnings(on: date, actor: Actor = OPERATOR, **kwargs: Any) -> Any:
        return await read(db, warning_views.early_warnings, actor, on, WarningLimits(), **kwargs)

    near = await warnings(date(2025, 8, 10), kind=WarningKind.LOAN_NEAR_TRIGGER)
    assert sorted(w.loan_id for w in near) == ids  # type: ignore[union-attr]
    assert {w.days_overdue for w in near} == {40}  # type: ignore[union-attr]
    own = await warnings(date(2025, 8, 10), Actor(Role.INSTITUTION, "bank", bank))
    # A concentration is a share of the pool-wide outstanding: not the institution's to see.
    assert {w.kind for w in own} <= {
        WarningKind.LOAN_NEAR_TRIGGER,
        WarningKind.INSTITUTION_NEAR_SUSPENSION,
    }
    assert [w.loan_id for w in own if w.kind is WarningKind.LOAN_NEAR_TRIGGER] == [ids[0]]  # type: ignore[union-attr]
    assert all(getattr(w, "institution_id", bank) == bank for w in own)
    # Two banks, half each: both above the 20% institution limit; past the trigger, no warning.
    conc = await warnings(date(2025, 8, 10), kind=WarningKind.CONCENTRATION)
    assert {w.key for w in conc if w.dimension.value == "INSTITUTION"} == {str(bank), str(other)}  # type: ignore[union-attr]
    assert await warnings(date(2025, 9, 1), kind=WarningKind.LOAN_NEAR_TRIGGER) == []
    rates = await warnings(date(2025, 9, 1), kind=WarningKind.INSTITUTION_NEAR_SUSPENSION)
    assert {w.institution_id for w in rates} == {bank, other}  # type: ignore[union-attr]
