"""The demo's statements reconcile with the demo's ledger, with the findings the story puts in."""

from __future__ import annotations

from datetime import date
from typing import Any

from recon_db import counts

from riskpool.bootstrap import App, build
from riskpool.demo.statements import DEMO_BANK_ACCOUNT, DEMO_FINANCE_RUNNER, load_demo_statements
from riskpool.reconciliation.records import MatchStatus
from riskpool.settings import Settings

Q3_END = date(2025, 9, 30)


async def demo_app(database: Any) -> App:
    """The app over a database that holds the demo already (the suite's demo template)."""
    return build(Settings(database_url=database.url, load_demo=False), db=database.db)


async def test_the_demo_statements_reconcile_and_show_their_findings(demo_database: Any) -> None:
    database = demo_database
    app = await demo_app(database)
    loaded = await load_demo_statements(app.reconciliation)
    assert [r.format for r in loaded.imports] == ["mt940", "camt053"]
    assert loaded.imports[1].lines_known == 2  # the camt file overlaps the MT940's June
    assert loaded.run is not None and loaded.run.run.actor == DEMO_FINANCE_RUNNER
    assert (loaded.run.run.auto_confirmed, loaded.run.run.proposals) == (5, 4)

    stored = await app.reconciliation.report(Q3_END, DEMO_BANK_ACCOUNT)
    report, table = stored.report, stored.report.table
    assert table.balanced
    assert str(table.book_balance.amount) == "165807435.28"
    # Bank side, not booked: two fees and the duplicated payment.
    assert str(table.bank_paid_not_booked.amount) == "1400345.00"
    paid = sorted(o.line.purpose for o in report.unmatched_lines if o.line.amount_minor < 0)
    assert any("账户管理费" in p for p in paid) and any("手续费" in p for p in paid)
    # Book side, not at the bank: the late credit (the recovery of 2025-09-24).
    late = [
        o for o in report.unmatched_items if o.item.reference and "recovery" in o.item.reference
    ]
    assert len(late) == 1 and late[0].age_days == 6
    # The proposals wait for a second person; confirming one reconciles it.
    assert len(stored.proposals) == 4 and len(report.matched) == 5
    first = stored.proposals[0]
    assert first.id is not None
    await app.reconciliation.confirm("demo-finance-2", first.id, "checked the bank advice")
    after = await app.reconciliation.report(Q3_END, DEMO_BANK_ACCOUNT)
    assert after.report.table.balanced and len(after.report.matched) == 6
    assert len(after.proposals) == 3

    # Loading again changes nothing.
    before = await counts(database.db)
    again = await load_demo_statements(app.reconciliation)
    assert again.run is None and all(r.already_imported for r in again.imports)
    assert await counts(database.db) == before
    statuses = {m.status for m in await app.reconciliation.matches()}
    assert statuses == {MatchStatus.CONFIRMED, MatchStatus.PROPOSED}
