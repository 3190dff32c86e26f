"""The matching waterfall: each rule, its explanation, determinism, bounds, speed."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from recon_builders import item, line

from riskpool.reconciliation.matching import (
    AMOUNT_DATE,
    MANY_TO_ONE,
    ONE_TO_MANY,
    REFERENCE,
    MatchConfig,
    match,
)

DAY = date(2025, 3, 10)


def test_reference_and_amount_equal_is_auto_confirmable() -> None:
    result = match(
        [line("a", DAY, 10000, reference="BANK1"), line("b", DAY, 500, end_to_end="PAY-9")],
        [
            item(1, DAY, 500, reference="PAY-9"),
            item(2, DAY + timedelta(1), 10000, reference="BANK1"),
        ],
    )
    assert {(m.rule, m.line_keys[0][-1], m.posting_seqs) for m in result.matches} == {
        ("reference", "a", (2,)),
        ("reference", "b", (1,)),
    }
    assert all(m.auto_confirmable and m.rule_version == REFERENCE.version for m in result.matches)
    by_line = {m.line_keys[0][-1]: m for m in result.matches}
    assert dict(by_line["a"].components) == {"reference": 60, "amount": 30, "date": 9}
    assert by_line["b"].score == 100


def test_reference_with_another_amount_is_not_an_exact_match() -> None:
    result = match([line("a", DAY, 10000, reference="R")], [item(1, DAY, 9999, reference="R")])
    assert result.matches == ()
    assert len(result.unmatched_lines) == len(result.unmatched_items) == 1


def test_placeholder_references_never_match() -> None:
    result = match([line("a", DAY, 1, reference="NONREF")], [item(1, DAY, 2, reference="NONREF")])
    assert result.matches == ()


def test_amount_within_window_is_a_proposal_preferring_nearest_and_counterparty() -> None:
    result = match(
        [line("a", DAY, -7000, party="河南某科技有限公司")],
        [
            item(1, DAY - timedelta(2), -7000, party="河南某科技有限公司"),
            item(2, DAY, -7000, party="别的公司"),
            item(3, DAY + timedelta(1), -7000, party="河南某科技"),
            item(4, DAY + timedelta(5), -7000, party="河南某科技有限公司"),
        ],
    )
    (proposal,) = result.matches
    assert proposal.rule == AMOUNT_DATE.name
    assert not proposal.auto_confirmable
    assert proposal.posting_seqs == (3,)  # one day off but same counterparty beats same day
    components = dict(proposal.components)
    assert components["date"] == 20 and components["counterparty"] == 20
    assert components["ambiguity"] == -10  # three candidates within the window


def test_amount_outside_window_does_not_match() -> None:
    result = match(
        [line("a", DAY, 100)], [item(1, DAY + timedelta(4), 100)], MatchConfig(date_window_days=3)
    )
    assert result.matches == ()


def test_one_line_many_postings_same_day() -> None:
    result = match(
        [line("batch", DAY, -100000)],
        [item(1, DAY, -20000), item(2, DAY, -30000), item(3, DAY, -50000), item(4, DAY, -99999)],
    )
    (group,) = result.matches
    assert group.rule == ONE_TO_MANY.name
    assert group.posting_seqs == (1, 2, 3)
    assert not group.auto_confirmable
    assert [i.posting_seq for i in result.unmatched_items] == [4]


def test_many_lines_one_posting_through_the_counterparty() -> None:
    result = match(
        [
            line("p1", DAY, 30000, party="郑州市财政局"),
            line("p2", DAY + timedelta(1), 30000, party="郑州市财政局"),
            line("p3", DAY + timedelta(2), 40000, party="郑州市财政局"),
        ],
        [item(1, DAY + timedelta(1), 100000, party="郑州市财政局")],
    )
    (group,) = result.matches
    assert group.rule == MANY_TO_ONE.name
    assert len(group.line_keys) == 3
    assert dict(group.components)["counterparty"] == 20


def test_groups_are_bounded_by_size() -> None:
    parts = [item(k, DAY, 1000) for k in range(1, 6)]
    result = match([line("x", DAY, 5000)], parts, MatchConfig(max_group_size=4))
    assert result.matches == ()


def test_waterfall_order_exact_first() -> None:
    # The posting that the reference identifies is taken by rule 1 even though
    # another line of the same amount is nearer in date.
    result = match(
        [line("near", DAY, 500), line("ref", DAY + timedelta(2), 500, reference="R1")],
        [item(1, DAY, 500, reference="R1")],
    )
    (only,) = result.matches
    assert only.rule == "reference" and only.line_keys[0].endswith("ref")


def test_result_does_not_depend_on_input_order() -> None:
    rng = random.Random(3)
    lines, items = _random_books(rng, 300)
    expected = match(lines, items)
    for _ in range(3):
        rng.shuffle(lines)
        rng.shuffle(items)
        assert match(lines, items) == expected


def _random_books(rng: random.Random, n: int) -> tuple[list, list]:  # type: ignore[type-arg]
    lines = []
    items = []
    for k in range(n):
        day = DAY + timedelta(days=rng.randrange(20))
        amount = rng.choice([100, 200, 500, 1000, rng.randrange(1, 10**6)]) * rng.choice((1, -1))
        reference = f"R{k}" if rng.random() < 0.3 else None
        lines.append(line(str(k), day, amount, reference=reference, party=rng.choice("ABC")))
        if rng.random() < 0.8:
            items.append(
                item(k + 1, day + timedelta(days=rng.randrange(3)), amount, reference=reference)
            )
    return lines, items


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.sampled_from([-300, -200, -100, 100, 200, 300, 500])),
        max_size=25,
    ),
    st.lists(
        st.tuples(st.integers(0, 6), st.sampled_from([-300, -200, -100, 100, 200, 300, 500])),
        max_size=25,
    ),
)
def test_property_every_line_and_posting_is_used_at_most_once_and_sums_agree(
    line_specs: list[tuple[int, int]], item_specs: list[tuple[int, int]]
) -> None:
    lines = [
        line(str(k), DAY + timedelta(d), a, reference=f"R{k}" if k % 3 == 0 else None)
        for k, (d, a) in enumerate(line_specs)
    ]
    items = [
        item(k + 1, DAY + timedelta(d), a, reference=f"R{k}" if k % 4 == 0 else None)
        for k, (d, a) in enumerate(item_specs)
    ]
    result = match(lines, items)
    used_lines = [key for m in result.matches for key in m.line_keys]
    used_items = [seq for m in result.matches for seq in m.posting_seqs]
    assert len(used_lines) == len(set(used_lines))
    assert len(used_items) == len(set(used_items))
    assert len(used_lines) + len(result.unmatched_lines) == len(lines)
    assert len(used_items) + len(result.unmatched_items) == len(items)
    amount_of_line = {ln.dedup_key: ln.amount_minor for ln in lines}
    amount_of_item = {it.posting_seq: it.amount_minor for it in items}
    for m in result.matches:
        assert sum(amount_of_line[k] for k in m.line_keys) == sum(
            amount_of_item[s] for s in m.posting_seqs
        )
        assert m.auto_confirmable == (m.rule == "reference")
        assert 0 <= m.score <= 100
