"""What a back-dated posting must hold a balance flag against: the net movement
of each flagged account per business date, from the batch's earliest date on.

Why per date: a no-overdraft flag that only guards the latest balance lets a
back-dated withdrawal leave the account negative on every day between its
business date and the deposit that came later (issue 16: the pool at
−80,000,000.00 as of 2025-02-09). :func:`riskpool.ledger.checks.check_every_day`
checks each day's closing balance from these figures. Read under the batch's
balance-row locks, so no other writer can move them meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.ledger.accounts import chunks, in_list_size, one_of
from riskpool.ledger.checks import Target
from riskpool.ledger.model import EntrySpec
from riskpool.ledger.schema import entries, postings


def earliest_date(specs: Iterable[EntrySpec]) -> date | None:
    """The earliest business date the batch names (requests with none are
    refused by validation in their turn)."""
    days = [spec.effective_date for spec in specs if isinstance(spec.effective_date, date)]
    return min(days, default=None)


async def load_later_days(
    conn: AsyncConnection, targets: Mapping[tuple[str, str], Target], since: date | None
) -> None:
    """Fill :attr:`Target.later` of the flagged targets with their net movement per
    business date on or after ``since``. One grouped query per chunk of accounts;
    it walks each flagged account's postings (the (account, sequence) index),
    so its cost grows with the account's history: not yet measured, and the
    place to add a (account, date) index or a per-account latest date if the
    benchmark says so."""
    if since is None:
        return
    dialect = conn.dialect.name
    by_id = {target.id: target for target in targets.values() if target.flagged}
    for ids in chunks(sorted(by_id), in_list_size(dialect)):
        rows = await conn.execute(
            select(postings.c.account_id, entries.c.effective_date, func.sum(postings.c.amount))
            .select_from(postings.join(entries, entries.c.id == postings.c.entry_id))
            .where(one_of(postings.c.account_id, ids, dialect), entries.c.effective_date >= since)
            .group_by(postings.c.account_id, entries.c.effective_date)
        )
        for account_id, day, total in rows:
            by_id[account_id].moved_on(day, int(total))
