"""Dedup keys: bank reference scoped by account, documented content fallback."""

from __future__ import annotations

from datetime import date

from recon_builders import line

from riskpool.reconciliation.dedup import dedup_keys

DAY = date(2025, 1, 2)


def test_reference_key_is_scoped_by_account_and_repeated_references_are_numbered() -> None:
    keys = list(
        dedup_keys(
            [
                line("1", DAY, 5, reference="R1"),
                line("2", DAY, 6, reference="R1"),
                line("3", DAY, 5, reference="R1", account="OTHER"),
            ]
        )
    )
    assert keys == [
        "CN0310000000000012345|ref|R1",
        "CN0310000000000012345|ref|R1#2",
        "OTHER|ref|R1",
    ]


def test_fallback_distinguishes_identical_movements_by_occurrence() -> None:
    fees = [line(str(k), DAY, -500) for k in range(2)]
    first, second = dedup_keys(fees)
    assert first != second
    assert first.startswith("CN0310000000000012345|h|")


def test_fallback_is_stable_across_overlapping_exports() -> None:
    day_one = [line("a", DAY, -500), line("b", DAY, -500)]
    day_two = [line("c", date(2025, 1, 3), 100)]
    alone = list(dedup_keys(day_one))
    overlapping = list(dedup_keys([*day_one, *day_two]))
    assert overlapping[:2] == alone


def test_placeholder_reference_uses_the_fallback() -> None:
    (key,) = dedup_keys([line("a", DAY, 1, reference="NONREF")])
    assert "|h|" in key
