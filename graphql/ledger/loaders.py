"""Data loaders of the ledger area: entries by id (with their postings) in one batch."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from riskpool.graphql.core.context import Context
from riskpool.ledger.model import JournalEntry
from riskpool.ledger.queries import LedgerQueries


def entry_loader(context: Context) -> DataLoader[int, JournalEntry | None]:
    async def load(ids: Sequence[int]) -> list[JournalEntry | None]:
        found = await context.session.run(lambda conn: LedgerQueries(conn).entries_by_id(ids))
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def entries(context: Context) -> DataLoader[int, JournalEntry | None]:
    loader: DataLoader[int, JournalEntry | None] = context.loader("ledger.entry", entry_loader)
    return loader
