"""The demo's report: its key figures, from what the load returned and the ledger's reads.

Why not SQL: the demo is a client of the product, so it reads what any client
may read — the records its commands returned (a replay returns them as they
stand in the database) and the ledger's public reads — and a second load
therefore reports exactly what the first did.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from moneyed import Money

from riskpool.demo.loader import Loaded
from riskpool.demo.plan import FIGURES_AS_OF, TRANSFER_DATE, ZZB
from riskpool.domain.model.chart import CHART, Acct, BookCode
from riskpool.domain.model.money import money_sum
from riskpool.domain.model.policies_shipped import ZKD_2025
from riskpool.ledger.service import Ledger

_EVER = (date(2000, 1, 1), date(2100, 12, 31))


@dataclass(frozen=True, slots=True)
class DemoReport:
    """What the demo holds (read back, so a replay reports the same).

    ``first_compensation_claim_ids``: the two 2024-07 郑科贷1.0 claims of 郑州银行;
    ``transfer_entry_ids``: the reserve's and the pool's entries of the 1亿 transfer;
    ``pool_cash_after_transfer``: the pool's cash at the end of :data:`TRANSFER_DATE`;
    ``zkd2_credit`` / ``zkd2_disbursed``: the 郑科贷2.0 figures as of :data:`FIGURES_AS_OF`.
    """

    institutions: int
    firms: int
    loans: int
    loans_by_policy: Mapping[str, int]
    claims_by_state: Mapping[str, int]
    ledger_entries: int
    zhengzhou_bank_id: int | None
    first_compensation_claim_ids: tuple[int, ...]
    transfer_entry_ids: tuple[int, ...]
    pool_cash_after_transfer: Money
    pool_cash: Money
    zkd2_credit: Money
    zkd2_disbursed: Money


async def _entry_count(ledger: Ledger) -> int:
    """Every journal entry of the chart's books, counted from the accounts' statements."""
    seen: set[int] = set()
    for code in CHART:
        for account in await ledger.accounts(code.value):
            statement = await ledger.statement(code.value, account.code, *_EVER)
            seen.update(line.entry_id for line in statement.lines)
    return len(seen)


async def summarize(loaded: Loaded, ledger: Ledger) -> DemoReport:
    loans = list(loaded.loans.values())
    by_policy = Counter(
        loan.pool_entry.policy_code for loan in loans if loan.pool_entry is not None
    )
    by_state = Counter(claim.state.value for claim in loaded.claims.values())
    zkd2 = [
        loan
        for loan in loans
        if loan.pool_entry is not None
        and loan.pool_entry.policy_code == ZKD_2025.code
        and loan.granted_on <= FIGURES_AS_OF
    ]
    disbursed = [d.amount for loan in zkd2 for d in loan.disbursements if d.on <= FIGURES_AS_OF]
    seed_claims = sorted(
        claim.id
        for contract, claim in loaded.claims.items()
        if contract.startswith("ZKD1-") and claim.id is not None
    )
    pool = BookCode.CITY_POOL.value
    return DemoReport(
        institutions=len(loaded.institution_ids),
        firms=len(loaded.firm_ids),
        loans=len(loans),
        loans_by_policy=MappingProxyType(dict(sorted(by_policy.items()))),
        claims_by_state=MappingProxyType(dict(sorted(by_state.items()))),
        ledger_entries=await _entry_count(ledger),
        zhengzhou_bank_id=loaded.institution_ids.get(ZZB),
        first_compensation_claim_ids=tuple(seed_claims),
        transfer_entry_ids=tuple(entry.id for entry in loaded.transfer),
        pool_cash_after_transfer=await ledger.balance(pool, Acct.CASH, TRANSFER_DATE),
        pool_cash=await ledger.balance(pool, Acct.CASH),
        zkd2_credit=money_sum(loan.credit_line for loan in zkd2),
        zkd2_disbursed=money_sum(disbursed),
    )
