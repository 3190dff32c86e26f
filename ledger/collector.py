"""Python's cyclic garbage collector, held off while a large batch is written.

Why: a bulk post keeps about a dozen objects alive per entry until it returns
(its rows, its sealed legs, what :class:`~riskpool.ledger.posted.PostedEntries`
builds entries from) and none of them is in a reference cycle, so the cyclic
collector can free none of them. Its generational thresholds still make it
traverse them, more of them each time as they pile up: for 100,000 entries,
about 0.4 s of a 2.5 s call went to collections that found nothing.

With the collector paused, reference counting frees everything exactly as
before; only the search for cycles waits. At the end, what was allocated
meanwhile is moved to the oldest generation unexamined (``gc.freeze()`` then
``gc.unfreeze()``, two list splices) rather than left in the youngest, where
the first collection after the pause would traverse every one of them again
(0.2 s, and again finding nothing). The batch's objects are then looked at
only by the next full collection, if they are still alive by then; a cycle
some other task made during the pause is found there too.

The pause is process-wide, so it is kept to a batch's write and never nests
into a second owner: a call that finds the collector already off (paused by a
concurrent batch, or by the application) leaves it alone, and only the call
that turned it off turns it back on. An application that froze objects
itself (``gc.freeze()`` before forking workers) keeps them frozen: the move
is skipped then.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Hold off cyclic garbage collection for the ``with`` block (see the module docstring)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()
