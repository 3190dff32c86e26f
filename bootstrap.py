"""The composition root: builds riskpool's parts from settings, in one place.

Entry points (the CLI, the GraphQL app, the demo loader) call :func:`build`
and use what it returns; nothing else constructs engines, units of work or the
bus, so the wiring of the whole program can be read here.

What can be injected, and why: ``db`` — a test's database (the app then does
not dispose it); ``uow_factory`` — a unit of work other than the database's
(an in-memory one for handler tests); ``clock`` — the server's clock the
units of work stamp undated records with.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

from riskpool.db import Database
from riskpool.domain.commands import Command
from riskpool.domain.commands.funds import SetUpChart
from riskpool.domain.handlers.bus import MessageBus
from riskpool.domain.handlers.ports import UnitOfWork
from riskpool.domain.handlers.routes import ROUTES
from riskpool.domain.model.parties import Actor, Role
from riskpool.domain.persistence.refusals import input_refusal
from riskpool.domain.persistence.repositories import InstitutionRepository
from riskpool.domain.persistence.statistics_cache import StatisticsCache
from riskpool.domain.persistence.uow import SqlUnitOfWork, utc_now
from riskpool.ledger.service import Ledger
from riskpool.reconciliation.service import ReconciliationService
from riskpool.settings import Settings, load_settings

T = TypeVar("T")

SYSTEM = Actor(Role.OPERATOR, "system")
"""The actor of what the process itself does at start-up (setting up the chart)."""


@dataclass
class App:
    """Everything an entry point needs: the bus for writes, the services for reads."""

    settings: Settings
    db: Database
    bus: MessageBus
    ledger: Ledger
    reconciliation: ReconciliationService
    statistics: StatisticsCache = field(default_factory=StatisticsCache)
    owns_db: bool = True

    async def handle(self, command: Command[T], actor: Actor) -> T:
        """Run one command as ``actor`` in its own unit of work (see the bus)."""
        return await self.bus.handle(command, actor)

    async def set_up(self) -> None:
        """Create the chart's books and accounts that do not exist yet (idempotent)."""
        await self.bus.handle(SetUpChart(), SYSTEM)

    async def guarded(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run a use case outside the bus (reconciliation's), with the same last line of
        defence: a database refusal that is the input's fault becomes a typed error."""
        try:
            return await work()
        except DBAPIError as error:
            refusal = input_refusal(error)
            if refusal is None:
                raise
            raise refusal from error

    async def institution_exists(self, institution_id: int) -> bool:
        """Whether a cooperating institution with this id is registered: the token check
        asks it before a request runs (a token naming no institution acts for nobody)."""
        async with self.db.transaction(write=False) as conn:
            found = await InstitutionRepository(conn).get_many([institution_id])
        return institution_id in found

    async def close(self) -> None:
        if self.owns_db:
            await self.db.dispose()


def build(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    uow_factory: Callable[[], UnitOfWork] | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> App:
    settings = settings or load_settings()
    owns_db = db is None
    database = db or Database.from_url(settings.database_url, echo=settings.sql_echo)

    def sql_uow() -> UnitOfWork:
        return SqlUnitOfWork(database, clock, settings.backdating_days)

    return App(
        settings=settings,
        db=database,
        bus=MessageBus(uow_factory or sql_uow, ROUTES),
        ledger=Ledger(database),
        reconciliation=ReconciliationService(
            database,
            max_bytes=settings.statement_max_bytes,
        ),
        owns_db=owns_db,
    )
