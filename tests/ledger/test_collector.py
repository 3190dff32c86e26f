"""The cyclic collector's pause around a large batch (no database)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from riskpool.ledger import collector


class Node:
    """A container the cyclic collector tracks."""

    def __init__(self) -> None:
        self.other: object = None


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()


def test_the_collector_is_off_inside_and_on_again_after() -> None:
    gc.enable()
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector.paused():
        raise ValueError("refused")
    assert gc.isenabled()


def test_what_was_allocated_meanwhile_goes_to_the_oldest_generation_unexamined() -> None:
    gc.enable()
    gc.collect()
    with collector.paused():
        kept = Node()
        assert any(o is kept for o in gc.get_objects(generation=0))
    assert not any(o is kept for o in gc.get_objects(generation=0))
    assert any(o is kept for o in gc.get_objects(generation=2))
    assert gc.get_freeze_count() == 0


def test_a_cycle_made_during_the_pause_is_still_collected() -> None:
    gc.enable()
    with collector.paused():
        a, b = Node(), Node()
        a.other, b.other = b, a
        del a, b
    assert gc.collect() >= 2


def test_a_collector_turned_off_by_someone_else_is_left_off() -> None:
    gc.disable()
    with collector.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_objects_the_application_froze_stay_frozen() -> None:
    gc.enable()
    gc.freeze()
    frozen = gc.get_freeze_count()
    with collector.paused():
        Node()
    assert gc.get_freeze_count() == frozen
    assert gc.isenabled()
