"""The innovation tier in the policy: minimum tier for pool entry, ratio uplift (default off)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from domain_factories import GRANTED, bank, firm, money, new_loan

from riskpool.domain.model.compensation import compute_compensation
from riskpool.domain.model.policies_shipped import SHIPPED_POLICIES, ZKD_2025
from riskpool.domain.model.policy import LoanType
from riskpool.errors import ErrorCode, RiskpoolError

UPLIFTED = replace(ZKD_2025, tier_ratio_uplift={4: Decimal("0.05"), 5: Decimal("0.10")})


def test_shipped_policies_have_no_uplift() -> None:
    for policy in SHIPPED_POLICIES:
        assert policy.tier_ratio_uplift is None
        assert policy.uplift_for(5) == 0


@pytest.mark.parametrize(
    ("tier", "ratio"),
    [(None, "0.50"), (1, "0.50"), (3, "0.50"), (4, "0.55"), (5, "0.60"), (6, "0.60")],
)
def test_uplift_by_tier(tier: int | None, ratio: str) -> None:
    result = compute_compensation(
        UPLIFTED, LoanType.BANK_DIRECT, money("1000000.00"), innovation_tier=tier
    )
    assert result.ratio == Decimal(ratio)
    assert result.amount == money("1000000.00") * Decimal(ratio)
    assert result.innovation_tier == tier


def test_uplift_never_passes_100_percent_nor_the_cap() -> None:
    generous = replace(ZKD_2025, tier_ratio_uplift={1: Decimal("0.9")})
    result = compute_compensation(
        generous, LoanType.BANK_DIRECT, money("1000000.00"), innovation_tier=1
    )
    assert result.ratio == 1 and result.uplift == Decimal("0.50")
    capped = compute_compensation(
        generous, LoanType.BANK_DIRECT, money("9000000.00"), innovation_tier=1
    )
    assert capped.capped and capped.amount == ZKD_2025.per_loan_cap


@pytest.mark.parametrize("uplift", [{0: Decimal("0.1")}, {3: Decimal("0")}, {3: Decimal("1.1")}])
def test_uplift_is_validated(uplift: dict[int, Decimal]) -> None:
    with pytest.raises(RiskpoolError) as refused:
        replace(ZKD_2025, tier_ratio_uplift=uplift)
    assert refused.value.code is ErrorCode.VALIDATION


def test_pool_entry_keeps_the_tier_and_min_tier_refuses() -> None:
    loan = new_loan()
    entry = loan.enter_pool(
        ZKD_2025, GRANTED, firm=firm(tier=4), lender=bank(), firm_exposure_elsewhere=money("0.00")
    )
    assert entry.innovation_tier == 4
    strict = replace(ZKD_2025, min_innovation_tier=4)
    with pytest.raises(RiskpoolError) as refused:
        new_loan().enter_pool(
            strict, GRANTED, firm=firm(tier=3), lender=bank(), firm_exposure_elsewhere=money("0.00")
        )
    assert refused.value.field == "firm.innovation_tier"


def test_a_claim_is_compensated_with_the_tier_the_loan_entered_with() -> None:
    from datetime import date

    from domain_factories import FILING_DAY, actor, at, submitted_claim

    from riskpool.domain.model.claim import Evidence
    from riskpool.domain.model.parties import Role

    loan = new_loan()
    loan.disburse(GRANTED, money("1000000.00"))
    loan.enter_pool(
        UPLIFTED, GRANTED, firm=firm(tier=5), lender=bank(), firm_exposure_elsewhere=money("0")
    )
    loan.mark_overdue(date(2025, 6, 1))
    claim = submitted_claim(loan, policy=UPLIFTED)
    assert claim.innovation_tier == 5
    claim.commission_audit(actor(Role.OPERATOR), at(FILING_DAY, 11))
    claim.record_audit(
        actor(Role.AUDITOR),
        at(FILING_DAY, 12),
        Evidence(audit_report_ref="r", audited_principal_loss=money("800000.00")),
    )
    assert claim.compensation == money("480000.00")  # 60% = 50% + 10 points for tier 5
    plain = submitted_claim(loan_with_tier(None), policy=UPLIFTED)
    assert plain.innovation_tier is None


def loan_with_tier(tier: int | None) -> object:
    from datetime import date

    loan = new_loan()
    loan.disburse(GRANTED, money("1000000.00"))
    loan.enter_pool(
        UPLIFTED, GRANTED, firm=firm(tier=tier), lender=bank(), firm_exposure_elsewhere=money("0")
    )
    loan.mark_overdue(date(2025, 6, 1))
    return loan
