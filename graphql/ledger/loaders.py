"""Data loaders of the ledger area: entries by id (with their postings) in one batch."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from riskpool.domain.views import ledger as ledger_views
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.loaders import by_id
from riskpool.ledger.model import JournalEntry


def entries(context: Context) -> DataLoader[int, JournalEntry | None]:
    return by_id(context, "ledger.entry", ledger_views.entries_by_id)
