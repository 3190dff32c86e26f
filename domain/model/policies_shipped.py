"""The two policies the scheme has had, as shipped defaults.

Facts from the seed and its documents are marked *(doc)*; every other value is
our default, chosen so that a loan under 1.0 is never admitted under looser
rules than today's, and can be changed by shipping a new version.

郑科贷1.0 — 郑政办[2018]97号, from 2018-10-01 to 2025-02-05 (the day before 2.0):
  * 80% of the actual principal loss, bank-direct and guaranteed alike *(doc)*;
  * at most 5,000,000.00 CNY a loan *(doc)*;
  * claim when overdue > 60 days or sued *(doc: the 2025 text restates the 1.0 trigger)*;
  * per-firm credit cap 20,000,000.00, term ≤ 36 months, suspension above 5%,
    fee ≤ 1% a year — the 2025 values, as 1.0's own text is not in our sources;
  * pool floor 0.00: the 1.0 reserve had no dynamic top-up; the Finance
    Bureau topped it up by explicit decision only.

郑科贷与郑好融融合 (2.0) — 郑政办〔2025〕9号, from 2025-02-06, open-ended:
  * 50% bank-direct, 20% guaranteed *(doc)*; trigger > 60 days or lawsuit *(doc)*;
  * cap 5,000,000.00 a loan, 20,000,000.00 credit a firm across lenders,
    36 months, suspension above 5%, fee ≤ 1% a year *(peer documents)*;
  * pool floor 100,000,000.00: our default — the 1亿 reserve that moved into
    the pool, so that the pool never falls below what 1.0 had set aside.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

from riskpool.domain.model.money import cny
from riskpool.domain.model.policy import ClaimTrigger, LoanType, Policy, PolicyBook

ZKD_1_0: Final = Policy(
    code="ZKD-1.0",
    name="郑科贷1.0（郑州市科技贷款风险补偿）",
    document_no="郑政办[2018]97号",
    effective_from=date(2018, 10, 1),
    effective_to=date(2025, 2, 5),
    compensation_ratios={
        LoanType.BANK_DIRECT: Decimal("0.80"),
        LoanType.GUARANTEED: Decimal("0.80"),
    },
    per_loan_cap=cny("5000000.00"),
    per_firm_credit_cap=cny("20000000.00"),
    max_term_months=36,
    trigger=ClaimTrigger(days_overdue_more_than=60, lawsuit_counts=True),
    suspension_threshold=Decimal("0.05"),
    management_fee_cap_rate=Decimal("0.01"),
    pool_floor=cny("0.00"),
)

ZKD_2025: Final = Policy(
    code="ZKD-2025",
    name="郑科贷与郑好融融合实施方案（郑科贷2.0）",
    document_no="郑政办〔2025〕9号",
    effective_from=date(2025, 2, 6),
    compensation_ratios={
        LoanType.BANK_DIRECT: Decimal("0.50"),
        LoanType.GUARANTEED: Decimal("0.20"),
    },
    per_loan_cap=cny("5000000.00"),
    per_firm_credit_cap=cny("20000000.00"),
    max_term_months=36,
    trigger=ClaimTrigger(days_overdue_more_than=60, lawsuit_counts=True),
    suspension_threshold=Decimal("0.05"),
    management_fee_cap_rate=Decimal("0.01"),
    pool_floor=cny("100000000.00"),
)

SHIPPED_POLICIES: Final = PolicyBook([ZKD_1_0, ZKD_2025])
"""Both versions; ``SHIPPED_POLICIES.in_force(day)`` answers 新老划断 questions."""
