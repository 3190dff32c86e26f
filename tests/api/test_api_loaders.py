"""A page of 100 loans with lender, firm and claims costs a fixed number of statements."""

from __future__ import annotations

from datetime import date
from typing import Any

from api_harness import Api, cny
from sqlalchemy import event

from riskpool.domain.model.loan import Loan
from riskpool.domain.model.policy import LoanType
from riskpool.domain.persistence.uow import SqlUnitOfWork

QUERY = """
query($first: Int!) {
  loans(first: $first) {
    totalCount
    nodes {
      contractNo
      lender { name history { on } }
      guarantor { name }
      firm { name }
      claims { state trail { seq } loan { contractNo } claimant { name } }
    }
  }
}
"""


async def _add_loans(api: Api, count: int) -> None:
    w = api.world
    async with SqlUnitOfWork(api.app.db) as uow:
        lender = await uow.institutions.get(w.bank_a)
        guarantor = await uow.institutions.get(w.guarantor)
        firm = await uow.firms.get(w.firm_a)
        for n in range(count):
            guaranteed = n % 3 == 0
            loan = Loan.grant(
                lender=lender,
                firm=firm,
                loan_type=LoanType.GUARANTEED if guaranteed else LoanType.BANK_DIRECT,
                credit_line=cny("10000.00"),
                granted_on=date(2025, 3, 1),
                maturity=date(2026, 3, 1),
                guarantor=guarantor if guaranteed else None,
                contract_no=f"BULK-{n:03d}",
            )
            loan.disburse(date(2025, 3, 2), cny("5000.00"))
            await uow.loans.add(loan)


async def _statements(api: Api, first: int) -> tuple[int, int]:
    counted: list[str] = []

    def count(*args: Any) -> None:
        counted.append(args[2])

    engine = api.app.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        body = await api.gql(QUERY, {"first": first})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "errors" not in body, body
    return len(body["data"]["loans"]["nodes"]), len(
        [
            s
            for s in counted
            if not s.lstrip().upper().startswith(("BEGIN", "ROLLBACK", "SAVEPOINT"))
        ]
    )


async def test_statement_count_does_not_grow_with_the_page(api: Api) -> None:
    await _add_loans(api, 100)
    small_rows, small = await _statements(api, 5)
    large_rows, large = await _statements(api, 100)
    assert (small_rows, large_rows) == (5, 100)
    assert large == small
    assert large <= 16, large
