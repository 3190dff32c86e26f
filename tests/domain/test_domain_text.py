"""Text and date hygiene in the domain model: the same refusal whichever door text came in by."""

from __future__ import annotations

from datetime import date

import pytest
from moneyed import Money

from riskpool.domain.model.claim import Concurrence, Evidence
from riskpool.domain.model.loan import Loan
from riskpool.domain.model.parties import Actor, Firm, Institution, InstitutionKind, Role
from riskpool.domain.model.plausibility import EARLIEST_DATE, require_plausible_date
from riskpool.domain.model.policy import LoanType
from riskpool.domain.model.text import MAX_NAME, require_text, unsafe_character
from riskpool.domain.model.uscc import generate_uscc, is_valid_uscc, validate_uscc
from riskpool.errors import ErrorCode, RiskpoolError

REFUSED = [
    "\x1b",
    "\x00",
    "\x7f",
    "\x85",
    "\u202e",
    "\u2066",
    "\u200b",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u2028",
    "\ud800",
    "\ue000",
]


@pytest.mark.parametrize("ch", REFUSED)
def test_control_bidi_invisible_and_unstorable_characters_are_refused(ch: str) -> None:
    with pytest.raises(RiskpoolError) as refused:
        require_text(f"甲{ch}银行", "name", max_length=MAX_NAME)
    assert refused.value.code is ErrorCode.VALIDATION and refused.value.field == "name"
    assert f"U+{ord(ch):04X}" in refused.value.message
    assert unsafe_character(f"a{ch}", multiline=True) == (1, ch)


def test_line_breaks_pass_only_in_multiline_fields() -> None:
    assert require_text("第一行\n第二行\t(附)", "reason", max_length=100, multiline=True)
    with pytest.raises(RiskpoolError):
        require_text("第一行\n第二行", "name", max_length=100)


def test_length_and_emptiness_are_checked_in_characters() -> None:
    assert require_text("银" * MAX_NAME, "name", max_length=MAX_NAME)
    for bad in ("银" * (MAX_NAME + 1), "", "   "):
        with pytest.raises(RiskpoolError, match="name"):
            require_text(bad, "name", max_length=MAX_NAME)


def test_model_constructors_refuse_unclean_text() -> None:
    cny = Money("1.00", "CNY")
    cases = [
        lambda: Institution(name="甲\u202e银行", kind=InstitutionKind.BANK),
        lambda: Firm(name="甲\u200b科技", uscc=generate_uscc(1), sector="软件", annual_revenue=cny),
        lambda: Firm(name="甲科技", uscc=generate_uscc(1), sector="软" * 101, annual_revenue=cny),
        lambda: Actor(Role.OPERATOR, "op\x1b[2J"),
        lambda: Evidence(documents="x" * 2001),
        lambda: Evidence(payment_reference="P\n1"),
        lambda: Concurrence(Actor(Role.FINANCE_BUREAU, "fb"), "函\u2066"),
        lambda: Loan(
            lender_id=1,
            firm_id=1,
            loan_type=LoanType.BANK_DIRECT,
            credit_line=Money("1000.00", "CNY"),
            granted_on=date(2025, 1, 1),
            maturity=date(2026, 1, 1),
            contract_no="C" * 65,
        ),
    ]
    for make in cases:
        with pytest.raises(RiskpoolError) as refused:
            make()
        assert refused.value.code is ErrorCode.VALIDATION


def test_a_reason_is_bounded_when_the_institution_is_suspended() -> None:
    bank = Institution(name="甲银行", kind=InstitutionKind.BANK)
    with pytest.raises(RiskpoolError) as refused:
        bank.suspend("理" * 2001, date(2025, 7, 1))
    assert refused.value.field == "reason" and bank.is_active


def test_loans_are_not_granted_before_1990() -> None:
    with pytest.raises(RiskpoolError, match="granted_on"):
        Loan(
            lender_id=1,
            firm_id=1,
            loan_type=LoanType.BANK_DIRECT,
            credit_line=Money("1000.00", "CNY"),
            granted_on=date(1, 1, 1),
            maturity=date(2026, 1, 1),
        )


def test_plausible_dates_lie_between_1990_and_the_given_latest() -> None:
    assert require_plausible_date(EARLIEST_DATE, "on") == EARLIEST_DATE
    with pytest.raises(RiskpoolError, match="before 1990"):
        require_plausible_date(date(1989, 12, 31), "on")
    with pytest.raises(RiskpoolError, match="after 2030-01-01"):
        require_plausible_date(date(2030, 1, 2), "on", latest=date(2030, 1, 1))


@pytest.mark.parametrize(
    "code",
    [
        "000000000000000000",
        "911111111111111111",
        "01410100MA0000000X",
        "90410100MA00000001",
        "9100000012345678X1",
    ],
)
def test_uscc_structure_is_checked_not_only_its_checksum(code: str) -> None:
    assert not is_valid_uscc(code)
    with pytest.raises(RiskpoolError):
        validate_uscc(code)


def test_a_wrong_uscc_check_character_is_refused_without_naming_the_right_one() -> None:
    valid = generate_uscc(7)
    wrong = valid[:17] + ("1" if valid[17] != "1" else "2")
    with pytest.raises(RiskpoolError) as refused:
        validate_uscc(wrong)
    assert refused.value.message == "USCC check character does not match"
