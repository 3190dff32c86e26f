"""The scheme's arithmetic: compensation, pro-rata recovery, fee cap and top-up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskpool.domain.model.compensation import (
    check_management_fee,
    compute_compensation,
    fund_management_fee,
    management_fee_allowance,
    recovery_return,
    topup_shortfall,
)
from riskpool.domain.model.money import cny
from riskpool.domain.model.policies_shipped import ZKD_1_0, ZKD_2025
from riskpool.domain.model.policy import LoanType, Policy
from riskpool.errors import ErrorCode, RiskpoolError

FEN = Decimal("0.01")
fens = st.integers(min_value=1, max_value=10**12)  # up to 100 亿元
policies = st.sampled_from([ZKD_1_0, ZKD_2025])
loan_types = st.sampled_from(list(LoanType))


def yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


@given(loss_fen=fens, policy=policies, loan_type=loan_types)
def test_compensation_is_ratio_times_loss_rounded_down_and_capped(
    loss_fen: int, policy: Policy, loan_type: LoanType
) -> None:
    loss = cny(yuan(loss_fen))
    result = compute_compensation(policy, loan_type, loss)
    exact = loss.amount * policy.ratio_for(loan_type)
    amount = result.amount.amount
    assert amount == amount.quantize(FEN), "exact to the fen"
    assert amount <= exact, "never above ratio × loss"
    assert result.amount <= policy.per_loan_cap, "never above the cap"
    assert amount > 0 or exact < FEN
    if result.capped:
        assert result.amount == policy.per_loan_cap
    else:
        assert exact - amount < FEN, "loses less than one fen to rounding"
    assert result.uncapped == exact


@pytest.mark.parametrize(
    ("policy", "loan_type", "loss", "expected"),
    [
        (ZKD_2025, LoanType.BANK_DIRECT, "1000000.00", "500000.00"),
        (ZKD_2025, LoanType.GUARANTEED, "1000000.00", "200000.00"),
        (ZKD_1_0, LoanType.BANK_DIRECT, "1000000.00", "800000.00"),
        (ZKD_1_0, LoanType.GUARANTEED, "1000000.00", "800000.00"),
        (ZKD_2025, LoanType.BANK_DIRECT, "0.01", "0.00"),  # half a fen rounds down
        (ZKD_2025, LoanType.BANK_DIRECT, "1000000.03", "500000.01"),  # .015 → .01
        (ZKD_2025, LoanType.GUARANTEED, "0.04", "0.00"),  # 0.008 → 0
        (ZKD_2025, LoanType.BANK_DIRECT, "10000000.00", "5000000.00"),  # exactly the cap
        (ZKD_2025, LoanType.BANK_DIRECT, "30000000.00", "5000000.00"),  # capped
        (ZKD_1_0, LoanType.BANK_DIRECT, "2899125.00", "2319300.00"),  # the seed's total
    ],
)
def test_compensation_examples(
    policy: Policy, loan_type: LoanType, loss: str, expected: str
) -> None:
    assert compute_compensation(policy, loan_type, cny(loss)).amount == cny(expected)


@pytest.mark.parametrize("loss", ["0.00", "-1.00"])
def test_compensation_of_a_non_positive_loss_is_refused(loss: str) -> None:
    with pytest.raises(RiskpoolError) as caught:
        compute_compensation(ZKD_2025, LoanType.BANK_DIRECT, cny(loss))
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


# -- recovery ------------------------------------------------------------------------------------


def test_recovery_return_is_pro_rata() -> None:
    # Pool paid 400,000 of an 800,000 loss (50%); 100,000 recovered → 50,000 back.
    due = recovery_return(
        compensated=cny("400000.00"),
        principal_loss=cny("800000.00"),
        recovered_total=cny("100000.00"),
        already_returned=cny("0.00"),
    )
    assert due == cny("50000.00")


def test_recovery_beyond_the_loss_is_not_shared() -> None:
    due = recovery_return(
        compensated=cny("400000.00"),
        principal_loss=cny("800000.00"),
        recovered_total=cny("900000.00"),
        already_returned=cny("0.00"),
    )
    assert due == cny("400000.00")


@given(
    loss_fen=st.integers(min_value=1, max_value=10**10),
    ratio=st.sampled_from([Decimal("0.2"), Decimal("0.5"), Decimal("0.8")]),
    pieces=st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=8),
)
def test_cumulative_recovery_returns_never_drift_nor_exceed_the_compensation(
    loss_fen: int, ratio: Decimal, pieces: list[int]
) -> None:
    loss = cny(yuan(loss_fen))
    compensated = cny((loss.amount * ratio).quantize(FEN, rounding="ROUND_DOWN"))
    if compensated.amount == 0:
        return
    recovered, returned = cny("0.00"), cny("0.00")
    for piece in pieces:
        recovered = recovered + cny(yuan(piece))
        due = recovery_return(
            compensated=compensated,
            principal_loss=loss,
            recovered_total=recovered,
            already_returned=returned,
        )
        assert due.amount >= 0
        returned = returned + due
    one_shot = recovery_return(
        compensated=compensated,
        principal_loss=loss,
        recovered_total=recovered,
        already_returned=cny("0.00"),
    )
    assert returned == one_shot, "paying in instalments returns exactly the one-shot figure"
    assert returned <= compensated
    exact = min(recovered.amount, loss.amount) * compensated.amount / loss.amount
    assert abs(returned.amount - exact) <= Decimal("0.005")


def test_returning_more_than_due_is_refused() -> None:
    with pytest.raises(RiskpoolError) as caught:
        recovery_return(
            compensated=cny("50.00"),
            principal_loss=cny("100.00"),
            recovered_total=cny("10.00"),
            already_returned=cny("5.01"),
        )
    assert caught.value.code is ErrorCode.VALIDATION


# -- management fee ------------------------------------------------------------------------------


def test_management_fee_allowance_is_one_percent_of_the_fund_a_year() -> None:
    assert management_fee_allowance(ZKD_2025, cny("170000000.00")) == cny("1700000.00")
    half = management_fee_allowance(ZKD_2025, cny("170000000.00"), year_fraction=Decimal("0.5"))
    assert half == cny("850000.00")
    # rounded down: 1% of 0.99 = 0.0099 → 0.00
    assert management_fee_allowance(ZKD_2025, cny("0.99")) == cny("0.00")


def test_management_fee_above_the_cap_is_a_policy_violation() -> None:
    balance = cny("170000000.00")
    ok = check_management_fee(
        ZKD_2025, cny("700000.00"), fund_balance=balance, already_charged_in_year=cny("1000000.00")
    )
    assert ok == cny("700000.00")
    with pytest.raises(RiskpoolError) as caught:
        check_management_fee(
            ZKD_2025,
            cny("700000.01"),
            fund_balance=balance,
            already_charged_in_year=cny("1000000.00"),
        )
    assert caught.value.code is ErrorCode.POLICY_VIOLATION
    assert caught.value.field == "amount"


@given(fee=fens, interest=st.integers(min_value=0, max_value=10**12))
def test_fees_are_paid_first_out_of_interest(fee: int, interest: int) -> None:
    split = fund_management_fee(cny(yuan(fee)), cny(yuan(interest)))
    assert split.from_interest + split.from_principal == cny(yuan(fee))
    assert split.from_interest == cny(yuan(min(fee, interest)))
    assert split.from_principal.amount >= 0


# -- top-up --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("floor", "balance", "shortfall"),
    [
        ("100000000.00", "97680700.00", "2319300.00"),
        ("100000000.00", "100000000.00", "0.00"),
        ("100000000.00", "170000000.00", "0.00"),
        ("100000000.00", "0.00", "100000000.00"),
        ("100000000.00", "-10.00", "100000010.00"),
        ("0.00", "5.00", "0.00"),
    ],
)
def test_topup_shortfall_is_floor_minus_balance_if_positive(
    floor: str, balance: str, shortfall: str
) -> None:
    assert topup_shortfall(cny(floor), cny(balance)) == cny(shortfall)


@given(floor=st.integers(0, 10**12), balance=st.integers(-(10**12), 10**12))
def test_topup_brings_the_balance_to_at_least_the_floor(floor: int, balance: int) -> None:
    shortfall = topup_shortfall(cny(yuan(floor)), cny(yuan(balance)))
    assert shortfall.amount >= 0
    assert yuan(balance) + shortfall.amount == max(yuan(floor), yuan(balance))
