"""The composition root: builds riskpool's parts from settings, in one place.

Entry points (the CLI now, the GraphQL app later) call :func:`build` and use
what it returns; nothing else constructs engines or services, so the wiring of
the whole program can be read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from riskpool.db import Database
from riskpool.domain.persistence.statistics_cache import StatisticsCache
from riskpool.domain.services.claims import ClaimService
from riskpool.domain.services.funds import FundService
from riskpool.domain.services.innovation import InnovationService
from riskpool.domain.services.loans import LoanService
from riskpool.domain.services.parties import PartyService
from riskpool.ledger.service import Ledger
from riskpool.reconciliation.records import PoolAccount
from riskpool.reconciliation.service import ReconciliationService
from riskpool.settings import Settings, load_settings


@dataclass
class App:
    settings: Settings
    db: Database
    ledger: Ledger
    parties: PartyService
    loans: LoanService
    claims: ClaimService
    funds: FundService
    innovation: InnovationService
    reconciliation: ReconciliationService
    statistics: StatisticsCache = field(default_factory=StatisticsCache)

    async def close(self) -> None:
        await self.db.dispose()


def build(settings: Settings | None = None) -> App:
    settings = settings or load_settings()
    db = Database.from_url(settings.database_url, echo=settings.sql_echo)
    return App(
        settings=settings,
        db=db,
        ledger=Ledger(db),
        parties=PartyService(db),
        loans=LoanService(db),
        claims=ClaimService(db),
        funds=FundService(db),
        innovation=InnovationService(db),
        reconciliation=ReconciliationService(
            db,
            PoolAccount(
                settings.reconcile_book,
                settings.reconcile_account,
                settings.reconcile_bank_account,
            ),
            max_bytes=settings.statement_max_bytes,
        ),
    )
