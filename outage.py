"""Telling "the database is unreachable" apart from every other failure.

Why a module of its own: an outage (a PostgreSQL restart, a dropped network,
an exhausted pool) is nobody's mistake and says nothing about the request, so
the API answers it with a typed, retryable ``UNAVAILABLE`` (HTTP 503 and
``Retry-After``) instead of a masked ``INTERNAL`` fault. The knowledge of how
drivers report a lost server lives here, once, so the API layer never reads
SQLSTATEs or driver exception types itself.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

from sqlalchemy import exc as sa_exc

CONNECTION_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})
"""admin_shutdown, crash_shutdown, cannot_connect_now; plus all of class 08 (connection)."""


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and every error it wraps (causes, contexts, drivers' and GraphQL's originals)."""
    stack: list[BaseException] = [error]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for attribute in ("__cause__", "__context__", "orig", "original_error"):
            inner = getattr(current, attribute, None)
            if isinstance(inner, BaseException):
                stack.append(inner)


def _is_lost_connection(error: BaseException) -> bool:
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.DisconnectionError | sa_exc.TimeoutError):
        return True  # the pool's own: a dead connection, or no connection in time
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return True  # connect() refused, reset, timed out, or the host is unknown
    state = getattr(error, "sqlstate", None)
    return isinstance(state, str) and (state.startswith("08") or state in CONNECTION_SQLSTATES)


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` (or anything it wraps) says the database could not be reached."""
    return any(_is_lost_connection(e) for e in _chain(error))
