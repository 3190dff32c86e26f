"""Keyset pagination shared by every list the API serves.

Why keyset and not OFFSET: an offset page drifts when rows are inserted
before it and costs O(offset) to reach; a keyset cursor names the last row
seen by its sort key, so ``WHERE (key) > (cursor)`` is stable and uses the
index. Cursors are opaque (URL-safe base64 of JSON) so clients cannot depend
on their shape.

The functions work on SQLAlchemy Core selects; repositories call them, the API
only translates :class:`PageRequest` and :class:`Page`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.errors import ErrorCode, RiskpoolError

T = TypeVar("T")

MAX_PAGE = 100
DEFAULT_PAGE = 20


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Relay arguments: ``first``/``after`` forwards or ``last``/``before`` backwards."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def size(self) -> int:
        if self.first is not None and self.last is not None:
            raise RiskpoolError(ErrorCode.VALIDATION, "give first or last, not both", field="first")
        size = self.first if self.first is not None else self.last
        if size is None:
            return DEFAULT_PAGE
        if size < 0 or size > MAX_PAGE:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"page size must be between 0 and {MAX_PAGE}",
                field="first" if self.first is not None else "last",
            )
        return size

    @property
    def backwards(self) -> bool:
        return self.last is not None or (self.before is not None and self.first is None)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    cursors: tuple[str, ...]
    has_next: bool
    has_previous: bool
    total_count: int


def encode_cursor(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, date) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise RiskpoolError(ErrorCode.VALIDATION, "malformed cursor", field="after") from None
    if not isinstance(values, list) or len(values) != arity:
        raise RiskpoolError(ErrorCode.VALIDATION, "malformed cursor", field="after")
    for value in values:
        if not isinstance(value, int | str) or isinstance(value, bool):
            raise RiskpoolError(ErrorCode.VALIDATION, "malformed cursor", field="after")
    return values


async def paginate(
    conn: AsyncConnection,
    query: Select[Any],
    keys: Sequence[ColumnElement[Any]],
    request: PageRequest,
    build: Callable[[Any], T],
    *,
    key_of: Callable[[Any], Sequence[Any]],
    parse_key: Callable[[list[Any]], list[Any]] | None = None,
    descending: bool = False,
) -> Page[T]:
    """Run ``query`` as one keyset page ordered by ``keys`` (unique together).

    All keys sort the same way: ascending, or descending with ``descending``.

    ``key_of(row)`` returns the row's key values for its cursor; ``parse_key``
    turns decoded cursor values back into column values (e.g. ISO dates).
    ``totalCount`` is a separate ``COUNT(*)`` over the filtered query.
    """
    size = request.size()
    total = (
        await conn.execute(select(func.count()).select_from(query.order_by(None).subquery()))
    ).scalar_one()
    key = tuple_(*keys)
    paged = query
    if request.after is not None:
        values = decode_cursor(request.after, len(keys))
        bound = tuple_(*(parse_key(values) if parse_key else values))
        paged = paged.where(key < bound if descending else key > bound)
    if request.before is not None:
        values = decode_cursor(request.before, len(keys))
        bound = tuple_(*(parse_key(values) if parse_key else values))
        paged = paged.where(key > bound if descending else key < bound)
    backwards = request.backwards
    ordering = [k.desc() for k in keys] if backwards != descending else list(keys)
    rows = list((await conn.execute(paged.order_by(*ordering).limit(size + 1))).all())
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    return Page(
        items=tuple(build(row) for row in rows),
        cursors=tuple(encode_cursor(key_of(row)) for row in rows),
        has_next=more if not backwards else request.before is not None,
        has_previous=more if backwards else request.after is not None,
        total_count=int(total),
    )
