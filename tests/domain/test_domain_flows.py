"""Charts of accounts and movement plans: every plan balances, and the seed's story adds up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import pytest
from domain_factories import claim_in_state, defaulted_loan
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from riskpool.domain.model import flows
from riskpool.domain.model.chart import CHART, FUND_BOOKS, AccountType, Acct, BookCode, book
from riskpool.domain.model.claim import ClaimState
from riskpool.domain.model.flows import Leg, MovementPlan
from riskpool.domain.model.money import cny, money_sum
from riskpool.domain.model.policies_shipped import ZKD_2025
from riskpool.domain.model.policy import LoanType
from riskpool.errors import ErrorCode, RiskpoolError

ON = date(2025, 9, 1)
amounts = st.integers(min_value=1, max_value=10**12).map(lambda f: cny(Decimal(f) / 100))


def balances(plans: Iterable[MovementPlan]) -> dict[tuple[BookCode, str], Money]:
    result: dict[tuple[BookCode, str], Money] = defaultdict(lambda: cny("0.00"))
    for plan in plans:
        for leg in plan.legs:
            result[plan.book, leg.account] += leg.amount
    return result


def assert_well_formed(plan: MovementPlan) -> None:
    assert money_sum(leg.amount for leg in plan.legs) == cny("0.00")
    leaves = CHART[plan.book].leaf_codes
    assert all(leg.account in leaves for leg in plan.legs)
    assert plan.description and plan.key


# -- chart ---------------------------------------------------------------------------------------


def test_the_three_books_and_their_cash_accounts() -> None:
    assert set(CHART) == {BookCode.ZKD_RESERVE, BookCode.CITY_POOL, BookCode.MEMO}
    assert CHART[BookCode.ZKD_RESERVE].name == "郑科贷风险补偿准备金"
    assert CHART[BookCode.CITY_POOL].name == "市科技金融风险分担资金池"
    for code in FUND_BOOKS:
        cash = book(code).account(Acct.CASH)
        assert cash.type is AccountType.ASSET and cash.credits_must_not_exceed_debits
        assert cash.parent == Acct.CASH_GROUP
        payable = book(code).account(Acct.COMPENSATION_PAYABLE)
        assert payable.debits_must_not_exceed_credits
    for chart in CHART.values():
        assert all(a.currency == "CNY" for a in chart.accounts)
        codes = {a.code for a in chart.accounts}
        assert all(a.parent is None or a.parent in codes for a in chart.accounts)
    with pytest.raises(RiskpoolError) as caught:
        book("NOPE")
    assert caught.value.code is ErrorCode.UNKNOWN_BOOK
    with pytest.raises(RiskpoolError) as caught:
        book(BookCode.MEMO).account(Acct.CASH)
    assert caught.value.code is ErrorCode.UNKNOWN_ACCOUNT


# -- the plan value ------------------------------------------------------------------------------


def test_an_unbalanced_plan_cannot_exist() -> None:
    with pytest.raises(RiskpoolError) as caught:
        MovementPlan(
            BookCode.CITY_POOL,
            ON,
            "x",
            (Leg(Acct.CASH, cny("1.00")), Leg(Acct.INTEREST_INCOME, cny("-0.99"))),
            "k",
        )
    assert caught.value.code is ErrorCode.UNBALANCED


@pytest.mark.parametrize(
    ("legs", "code"),
    [
        ((Leg(Acct.CASH, cny("1.00")),), ErrorCode.INVALID_ENTRY),
        (
            (Leg(Acct.CASH_GROUP, cny("1.00")), Leg(Acct.INTEREST_INCOME, cny("-1.00"))),
            ErrorCode.INVALID_ENTRY,
        ),
        (
            (Leg("9999", cny("1.00")), Leg(Acct.INTEREST_INCOME, cny("-1.00"))),
            ErrorCode.UNKNOWN_ACCOUNT,
        ),
        (
            (Leg(Acct.TRANSFER_OUT, cny("1.00")), Leg(Acct.CASH, cny("-1.00"))),
            ErrorCode.UNKNOWN_ACCOUNT,
        ),  # transfer-out exists in the reserve only
        (
            (
                Leg(Acct.CASH, Money("1.001", "CNY")),
                Leg(Acct.INTEREST_INCOME, Money("-1.001", "CNY")),
            ),
            ErrorCode.INVALID_AMOUNT,
        ),
        (
            (Leg(Acct.CASH, cny("0.00")), Leg(Acct.INTEREST_INCOME, cny("0.00"))),
            ErrorCode.INVALID_AMOUNT,
        ),
    ],
)
def test_malformed_plans_are_refused(legs: tuple[Leg, ...], code: ErrorCode) -> None:
    with pytest.raises(RiskpoolError) as caught:
        MovementPlan(BookCode.CITY_POOL, ON, "x", legs, "k")
    assert caught.value.code is code


def test_metadata_is_frozen_and_typed() -> None:
    plan = flows.interest_income(
        book_code=BookCode.CITY_POOL, on=ON, amount=cny("1.00"), period="2025Q3"
    )
    with pytest.raises(TypeError):
        plan.metadata["x"] = 1  # type: ignore[index]
    with pytest.raises(RiskpoolError):
        MovementPlan(BookCode.CITY_POOL, ON, "x", plan.legs, "k", {"bad": 1.5})  # type: ignore[dict-item]


# -- every flow balances -------------------------------------------------------------------------


@given(amount=amounts, fund=st.sampled_from(sorted(FUND_BOOKS)))
def test_every_funding_and_income_flow_sums_to_zero(amount: Money, fund: BookCode) -> None:
    plans = [
        flows.reserve_tranche(on=ON, amount=amount, tranche_no=1),
        flows.finance_allocation(book_code=fund, on=ON, amount=amount, reference="r"),
        flows.finance_topup(book_code=fund, on=ON, amount=amount, reference="r"),
        *flows.reserve_transfer_to_pool(on=ON, amount=amount),
        flows.interest_income(book_code=fund, on=ON, amount=amount, period="p"),
    ]
    for plan in plans:
        assert_well_formed(plan)
        assert plan.amount == amount


def test_claim_flows_balance_and_carry_ids() -> None:
    claim = claim_in_state(ClaimState.PAID)
    approved = flows.compensation_approved(claim, book_code=BookCode.CITY_POOL, on=ON)
    paid = flows.compensation_payment(claim, book_code=BookCode.CITY_POOL, on=ON)
    for plan in (approved, paid):
        assert_well_formed(plan)
        assert plan.amount == claim.paid_amount == cny("400000.00")
        assert plan.metadata["claim_id"] == claim.id
        assert plan.metadata["loan_id"] == claim.loan_id
        assert plan.metadata["institution_id"] == claim.claimant_id
    assert paid.metadata["payment_reference"] == "BANKREF-0001"
    after = balances([approved, paid])
    assert after[BookCode.CITY_POOL, Acct.COMPENSATION_PAYABLE] == cny("0.00")
    assert after[BookCode.CITY_POOL, Acct.CASH] == cny("-400000.00")
    assert approved.key != paid.key


@pytest.mark.parametrize(
    "state", [s for s in ClaimState if s not in (ClaimState.APPROVED, ClaimState.PAID)]
)
def test_no_payable_before_approval(state: ClaimState) -> None:
    with pytest.raises(RiskpoolError) as caught:
        flows.compensation_approved(claim_in_state(state), book_code=BookCode.CITY_POOL, on=ON)
    assert caught.value.code is ErrorCode.INVALID_TRANSITION
    with pytest.raises(RiskpoolError):
        flows.compensation_payment(claim_in_state(state), book_code=BookCode.CITY_POOL, on=ON)


def test_claim_flows_go_to_fund_books_only() -> None:
    with pytest.raises(RiskpoolError) as caught:
        flows.compensation_payment(claim_in_state(ClaimState.PAID), book_code=BookCode.MEMO, on=ON)
    assert caught.value.code is ErrorCode.INVALID_ENTRY


def test_guarantor_prepayment_is_a_memo_pair() -> None:
    loan = defaulted_loan(LoanType.GUARANTEED)
    plan = flows.guarantor_prepayment_memo(loan, loan.prepayments[0])
    assert_well_formed(plan)
    assert plan.book is BookCode.MEMO
    assert [leg.account for leg in plan.legs] == [Acct.PREPAYMENT_MEMO, Acct.PREPAYMENT_MEMO_CONTRA]
    assert plan.amount == cny("1000000.00")
    assert plan.metadata == {"loan_id": loan.id, "institution_id": 2, "bank_institution_id": 1}


def test_recovery_is_returned_pro_rata_and_only_once() -> None:
    claim = claim_in_state(ClaimState.PAID, loss="800000.00")  # pool paid 400,000.00
    first = flows.recovery_returned(
        claim,
        book_code=BookCode.CITY_POOL,
        on=ON,
        recovered_total=cny("100000.00"),
        already_returned=cny("0.00"),
        reference="R1",
    )
    assert first is not None
    assert_well_formed(first)
    assert first.amount == cny("50000.00")
    again = flows.recovery_returned(
        claim,
        book_code=BookCode.CITY_POOL,
        on=ON,
        recovered_total=cny("100000.00"),
        already_returned=cny("50000.00"),
        reference="R2",
    )
    assert again is None


def test_management_fee_within_and_above_the_cap() -> None:
    plan = flows.management_fee(
        book_code=BookCode.CITY_POOL,
        on=ON,
        amount=cny("1700000.00"),
        policy=ZKD_2025,
        fund_balance=cny("170000000.00"),
        already_charged_in_year=cny("0.00"),
        period="2025",
        interest_available=cny("1200000.00"),
    )
    assert_well_formed(plan)
    assert plan.metadata["from_interest"] == "1200000.00"
    assert plan.metadata["from_principal"] == "500000.00"
    with pytest.raises(RiskpoolError) as caught:
        flows.management_fee(
            book_code=BookCode.CITY_POOL,
            on=ON,
            amount=cny("1700000.01"),
            policy=ZKD_2025,
            fund_balance=cny("170000000.00"),
            already_charged_in_year=cny("0.00"),
            period="2025",
        )
    assert caught.value.code is ErrorCode.POLICY_VIOLATION


def test_settlement_topup_only_when_below_the_floor() -> None:
    assert (
        flows.settlement_topup(
            book_code=BookCode.CITY_POOL,
            on=ON,
            policy=ZKD_2025,
            balance=cny("170000000.00"),
            reference="2025",
        )
        is None
    )
    plan = flows.settlement_topup(
        book_code=BookCode.CITY_POOL,
        on=ON,
        policy=ZKD_2025,
        balance=cny("99000000.00"),
        reference="2025",
    )
    assert plan is not None
    assert_well_formed(plan)
    assert plan.amount == cny("1000000.00")
    assert plan.metadata["policy_code"] == "ZKD-2025"


def test_the_seed_story_adds_up_in_the_books() -> None:
    """1亿 in 3 tranches; 231.93万 paid in 2024-07; topped back up; 1亿 moves; pool = 1.7亿."""
    claim = claim_in_state(ClaimState.PAID, loss="800000.00")  # stands in for the payout flow
    payout = cny("2319300.00")
    plans = [
        flows.reserve_tranche(on=date(2018, 12, 1), amount=cny("30000000.00"), tranche_no=1),
        flows.reserve_tranche(on=date(2019, 12, 1), amount=cny("30000000.00"), tranche_no=2),
        flows.reserve_tranche(on=date(2020, 12, 1), amount=cny("40000000.00"), tranche_no=3),
        MovementPlan(
            BookCode.ZKD_RESERVE,
            date(2024, 7, 15),
            "风险补偿（两笔）",
            (Leg(Acct.COMPENSATION_EXPENSE, payout), Leg(Acct.CASH, -payout)),
            "seed",
        ),
        flows.finance_topup(
            book_code=BookCode.ZKD_RESERVE,
            on=date(2025, 2, 1),
            amount=payout,
            reference="补足2024年补偿支出",
        ),
        *flows.reserve_transfer_to_pool(on=date(2025, 2, 6), amount=cny("100000000.00")),
        flows.finance_allocation(
            book_code=BookCode.CITY_POOL,
            on=date(2025, 1, 1),
            amount=cny("70000000.00"),
            reference="郑好融资金池",
        ),
    ]
    for plan in plans:
        assert_well_formed(plan)
    after = balances(plans)
    assert after[BookCode.ZKD_RESERVE, Acct.CASH] == cny("0.00")
    assert after[BookCode.CITY_POOL, Acct.CASH] == cny("170000000.00")
    assert after[BookCode.ZKD_RESERVE, Acct.COMPENSATION_EXPENSE] == payout
    for code in (BookCode.ZKD_RESERVE, BookCode.CITY_POOL):
        total = money_sum(v for (b, _), v in after.items() if b is code)
        assert total == cny("0.00"), "each book balances on its own"
    assert claim.state is ClaimState.PAID
