"""A test's story sent as history: every command through the bus's import path.

Why: service tests build years of a fund (2018–2025) before they look at it, and a
fact that old enters only by the operator's history import (a live command is dated
by the server's clock and bounded by the back-dating window). Each command is
imported at 10:00 Beijing time on the day given, else on the latest business date it
carries (``on``, ``since``, ``filed_on``, ``granted_on``), else on the story's
current day, which only moves forward.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from riskpool.bootstrap import App
from riskpool.domain.commands import Command
from riskpool.domain.model.parties import Actor, Role

T = TypeVar("T")

IMPORTER = Actor(Role.OPERATOR, "history-import")
_DATE_FIELDS = ("on", "since", "filed_on", "granted_on")


def at(day: date) -> datetime:
    """10:00 Beijing time on ``day``, as an aware UTC timestamp."""
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def fact_date(command: Command[Any]) -> date | None:
    """The latest business date a command carries, if any."""
    assert is_dataclass(command)
    days = [
        getattr(command, f.name)
        for f in fields(command)
        if f.name in _DATE_FIELDS and isinstance(getattr(command, f.name), date)
    ]
    return max(days) if days else None


class History:
    """Imports a story's commands in order; see the module docstring."""

    def __init__(self, app: App, start: date) -> None:
        self.app = app
        self.day = start

    async def handle(self, command: Command[T], actor: Actor, on: date | None = None) -> T:
        day = on or fact_date(command) or self.day
        self.day = max(self.day, day)
        return await self.app.bus.import_history(command, actor, at=at(day), importer=IMPORTER)
