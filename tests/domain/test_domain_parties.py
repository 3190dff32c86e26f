"""Parties: the USCC check character, firms, actors and institutions' cooperation status."""

from __future__ import annotations

from datetime import date

import pytest
from domain_factories import actor, bank
from hypothesis import given
from hypothesis import strategies as st

from riskpool.domain.model.money import cny
from riskpool.domain.model.parties import Actor, CooperationStatus, Firm, Role
from riskpool.domain.model.uscc import (
    CHARSET,
    check_character,
    generate_uscc,
    is_valid_uscc,
    normalize_uscc,
    validate_uscc,
)
from riskpool.errors import ErrorCode, RiskpoolError

seeds = st.integers(min_value=0, max_value=2**32)


def test_a_published_example_is_valid() -> None:
    # The worked example commonly cited with GB 32100-2015.
    assert is_valid_uscc("91350100M000100Y43")
    assert check_character("91350100M000100Y4") == "3"


@given(seed=seeds)
def test_generated_codes_are_valid_enterprise_codes_of_zhengzhou(seed: int) -> None:
    code = generate_uscc(seed)
    assert is_valid_uscc(code)
    assert validate_uscc(code) == code
    assert code.startswith("91410100")
    assert generate_uscc(seed) == code, "deterministic"


@given(seed=seeds, position=st.integers(0, 17), replacement=st.sampled_from(CHARSET))
def test_every_single_character_change_is_detected(
    seed: int, position: int, replacement: str
) -> None:
    code = generate_uscc(seed)
    if code[position] == replacement:
        return
    mutated = code[:position] + replacement + code[position + 1 :]
    assert not is_valid_uscc(mutated)
    with pytest.raises(RiskpoolError) as caught:
        validate_uscc(mutated)
    assert caught.value.code is ErrorCode.VALIDATION
    assert caught.value.field == "uscc"


@given(seed=seeds, position=st.integers(0, 16))
def test_every_adjacent_transposition_is_detected(seed: int, position: int) -> None:
    code = generate_uscc(seed)
    if code[position] == code[position + 1]:
        return
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    assert not is_valid_uscc(swapped)


@pytest.mark.parametrize(
    "bad",
    ["", "91350100M000100Y4", "91350100M000100Y433", "91350100M000100I43", "91350100m000100y43"],
)
def test_malformed_codes_are_refused(bad: str) -> None:
    assert not is_valid_uscc(bad)
    with pytest.raises(RiskpoolError) as caught:
        validate_uscc(bad)
    assert caught.value.code is ErrorCode.VALIDATION


def test_user_input_is_normalised() -> None:
    assert normalize_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"


def test_a_firm_needs_a_valid_uscc() -> None:
    with pytest.raises(RiskpoolError) as caught:
        Firm(name="某公司", uscc="91350100M000100Y44", sector="软件", annual_revenue=cny("1.00"))
    assert caught.value.code is ErrorCode.VALIDATION
    assert caught.value.field == "uscc"


def test_an_actor_carries_an_institution_id_exactly_for_the_institution_role() -> None:
    assert actor(Role.INSTITUTION, 7).institution_id == 7
    with pytest.raises(RiskpoolError):
        Actor(role=Role.INSTITUTION, subject="x")
    with pytest.raises(RiskpoolError):
        Actor(role=Role.OPERATOR, subject="x", institution_id=7)


def test_suspension_and_explicit_reinstatement_are_recorded() -> None:
    institution = bank()
    assert institution.status is CooperationStatus.ACTIVE and institution.suspension is None
    institution.suspend("损失率 6% 超过 5%", date(2025, 9, 1))
    assert not institution.is_active
    assert institution.suspension is not None
    assert institution.suspension.reason == "损失率 6% 超过 5%"
    with pytest.raises(RiskpoolError) as caught:
        institution.suspend("again", date(2025, 9, 2))
    assert caught.value.code is ErrorCode.INVALID_TRANSITION
    with pytest.raises(RiskpoolError) as caught:
        institution.reinstate(date(2025, 10, 1), actor(Role.CITY_GOVERNMENT), "整改完成")
    assert caught.value.code is ErrorCode.FORBIDDEN
    with pytest.raises(RiskpoolError) as caught:
        institution.reinstate(date(2025, 10, 1), actor(Role.OPERATOR), " ")
    assert caught.value.code is ErrorCode.MISSING_EVIDENCE
    change = institution.reinstate(date(2025, 10, 1), actor(Role.SCIENCE_BUREAU), "整改完成")
    assert institution.is_active and change.by is not None
    assert [c.status for c in institution.history] == [
        CooperationStatus.SUSPENDED,
        CooperationStatus.ACTIVE,
    ]
    with pytest.raises(RiskpoolError) as caught:
        institution.reinstate(date(2025, 10, 2), actor(Role.OPERATOR), "again")
    assert caught.value.code is ErrorCode.INVALID_TRANSITION


@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.OPERATOR, Role.SCIENCE_BUREAU)])
def test_only_the_operator_or_science_bureau_may_reinstate(role: Role) -> None:
    institution = bank()
    institution.suspend("超标", date(2025, 9, 1))
    with pytest.raises(RiskpoolError) as caught:
        institution.reinstate(date(2025, 10, 1), actor(role), "整改完成")
    assert caught.value.code is ErrorCode.FORBIDDEN
