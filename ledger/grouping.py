"""Group commit: concurrent single posts share one statement (PostgreSQL).

A post outside any transaction is one call of ``ledger_post_batch`` and commits
on its own (:mod:`riskpool.ledger.onecall`). Most of that call's cost does not
depend on how many entries it carries: the statement, the commit, one firing
of each statement-level trigger, the locking query. So when posts arrive while
others are in flight, they wait for the next call and go in together — the
way a database's group commit shares one log flush between transactions.

* **No added latency.** A post goes out at once when fewer than
  ``max_in_flight`` calls are running; only posts that would have queued for
  a connection anyway wait, and each call takes every one waiting (up to
  ``max_batch``).
* **Each post keeps its own outcome.** The entries of one call are
  independent: each is posted, replayed or refused exactly as it would be
  alone (a refusal writes nothing of that entry and does not touch the
  others), in arrival order, and its caller is answered only once the call
  has committed. Two posts with the same idempotency key never share a call:
  the later one waits for the next and is answered as a replay (or a conflict).
* **A failed call costs no one else's post.** Should the statement itself
  fail (a concurrent writer took a key first, a connection broke), every post
  it carried is retried alone, so each caller gets the answer that concerns
  its own entry — and nothing of the failed call was written.
* **Cancelling a caller** withdraws its post if it has not been sent yet; once
  sent, the call goes on and may commit after the caller has given up (the
  caller's idempotency key tells a retry what happened).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError

from riskpool.ledger import onecall
from riskpool.ledger.requests import Prepared

# Measured with 16 concurrent clients (docs/benchmarks.md): 8 entries a call with
# two calls in flight beat 16 with two (one call then holds every client and
# Python and the server take turns) and 6 with three.
MAX_BATCH = 8  # entries per call
MAX_IN_FLIGHT = 2  # calls at once: Python prepares one while the server runs the other


@dataclass(slots=True)
class _Waiting:
    item: Prepared
    future: asyncio.Future[onecall.Outcome]


class GroupCommit:
    """Posts entries for concurrent callers, several to a statement.

    ``connect`` yields an asyncpg connection outside any transaction (see
    :meth:`riskpool.db.Database.driver_connection`); ``clock`` stamps each
    call's entries with their booking time.
    """

    def __init__(
        self,
        connect: Callable[[], AbstractAsyncContextManager[Any]],
        clock: Callable[[], datetime],
        *,
        max_batch: int = MAX_BATCH,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self._connect = connect
        self._clock = clock
        self.max_batch = max_batch
        self.max_in_flight = max_in_flight
        self._waiting: deque[_Waiting] = deque()
        self._in_flight = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def post(self, item: Prepared) -> onecall.Outcome:
        """``item``'s outcome: its entry, a replay, its refusal, or ``None`` when
        its fields need the generic encoder (see :func:`onecall.post_one`).
        Raises the call's database error if its retry alone failed too."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # first use, or a new event loop (tests)
            self._loop, self._waiting, self._in_flight = loop, deque(), 0
        future: asyncio.Future[onecall.Outcome] = loop.create_future()
        self._waiting.append(_Waiting(item, future))
        self._start_draining()
        return await future

    def _next_batch(self) -> list[_Waiting]:
        """Up to ``max_batch`` waiting posts, oldest first, one per idempotency key
        (the others keep their place); cancelled callers are dropped."""
        batch: list[_Waiting] = []
        keys: set[str] = set()
        later: list[_Waiting] = []
        while self._waiting and len(batch) < self.max_batch:
            waiting = self._waiting.popleft()
            if waiting.future.done():
                continue
            key = waiting.item.spec.idempotency_key
            if key in keys:
                later.append(waiting)
            else:
                keys.add(key)
                batch.append(waiting)
        self._waiting.extendleft(reversed(later))
        return batch

    def _start_draining(self) -> None:
        if self._waiting and self._in_flight < self.max_in_flight and self._loop is not None:
            self._in_flight += 1
            task = self._loop.create_task(self._drain())
            self._tasks.add(task)  # a strong reference until it is done
            task.add_done_callback(self._tasks.discard)

    async def _drain(self) -> None:
        """Send batches on one connection until no post is waiting.

        A batch is taken only once the connection is had, so a post whose caller
        gives up while waiting for one is never sent. Should the connection not
        be had, or fail, the batch at hand fails with its error, and the posts
        still waiting go to a fresh drain.
        """
        batch: list[_Waiting] = []
        cancelled = False
        try:
            try:
                async with self._connect() as driver:
                    while batch := self._next_batch():
                        await self._send(driver, batch)
            except Exception:
                if not batch:  # no connection: the oldest waiting posts learn why
                    batch = self._next_batch()
                raise
        except BaseException as exc:
            for waiting in batch:
                if waiting.future.done():
                    continue
                if isinstance(exc, asyncio.CancelledError):
                    waiting.future.cancel()
                else:
                    waiting.future.set_exception(exc)
            if not isinstance(exc, Exception):
                cancelled = True
                raise
        finally:
            self._in_flight -= 1
            if not cancelled:
                self._start_draining()

    async def _send(self, driver: Any, batch: list[_Waiting]) -> None:
        items = [waiting.item for waiting in batch]
        try:
            outcomes = await onecall.post_each(driver, items, self._clock())
        except DBAPIError as exc:
            if len(batch) == 1:
                if not batch[0].future.done():
                    batch[0].future.set_exception(exc)
                return
            for waiting in batch:  # nothing was written: each again, alone
                await self._send(driver, [waiting])
            return
        for waiting, outcome in zip(batch, outcomes, strict=True):
            if not waiting.future.done():
                waiting.future.set_result(outcome)
