"""Relay connections built from :class:`riskpool.paging.Page`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from riskpool.paging import Page, PageRequest

T = TypeVar("T")
S = TypeVar("S")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int

    @strawberry.field
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def page_request(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> PageRequest:
    return PageRequest(first=first, after=after, last=last, before=before)


async def connection_of(
    page: Page[S], to_node: Callable[[Sequence[S]], Awaitable[Sequence[T]]] | None = None
) -> Connection[T]:
    """Turn a page into a connection; ``to_node`` converts items (e.g. ids via a loader)."""
    nodes: Sequence[T] = (
        await to_node(page.items) if to_node is not None else page.items  # type: ignore[assignment]
    )
    edges = [Edge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        total_count=page.total_count,
    )
