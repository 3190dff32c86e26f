"""Checking an export against beancount and against the ledger.

Three independent checks, each returning its findings as data (beancount
style) rather than raising:

1. **beancount's loader** (:func:`load_export`) parses, books and validates the
   file — what ``bean-check`` runs, balance assertions included. Zero errors
   is the bar.
2. **Balances** (:func:`compare_balances`): every account's balance computed by
   beancount's realization from the loaded entries equals the ledger's trial
   balance at the same date, and the opening-balances equity account nets to
   zero. This catches a translation error that would still load cleanly.
3. **Chain links** (:func:`check_chain_links`): within the file, each
   account's postings in ``seq`` order are numbered without gaps and each
   ``prev_hash`` names the ``entry_hash`` of the transaction holding the
   account's previous posting. An auditor can run it on a file alone; the
   hashes themselves are recomputed from the database by ``riskpool verify``.

:func:`check_export` runs all three for a book (or the combined file); it is what the tests run on
hand-built ledgers and what is run on the fund's demo data.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from beancount import loader
from beancount.core import data, realization
from beancount.parser import printer
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.db import Database
from riskpool.export.builder import BeancountBuilder
from riskpool.export.service import snapshot
from riskpool.ledger.hashing import GENESIS_HASH
from riskpool.ledger.model import TrialBalance
from riskpool.ledger.store import LedgerStore


@dataclass(frozen=True, slots=True)
class LoadedExport:
    """beancount's view of a file: its directives, errors and options."""

    entries: list[Any]
    errors: tuple[str, ...]
    options: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BalanceMismatch:
    account: str
    currency: str
    ledger: Decimal
    export: Decimal


@dataclass(frozen=True, slots=True)
class ExportCheck:
    errors: tuple[str, ...]
    mismatches: tuple[BalanceMismatch, ...]
    chain_problems: tuple[str, ...]
    accounts_compared: int

    @property
    def ok(self) -> bool:
        return not (self.errors or self.mismatches or self.chain_problems)


def load_export(text: str) -> LoadedExport:
    """Load with ``beancount.loader.load_string`` — the same checks as ``bean-check``."""
    entries, errors, options = loader.load_string(text)
    messages = tuple(printer.format_error(e).strip() for e in errors)  # type: ignore[no-untyped-call]
    return LoadedExport(list(entries), messages, dict(options))


def export_balances(
    entries: Iterable[Any], as_of: date | None = None
) -> dict[str, dict[str, Decimal]]:
    """Each account's balance per currency, by beancount's realization.

    Only transactions dated on or before ``as_of`` count (all when ``None``).
    """
    chosen = [
        e
        for e in entries
        if not isinstance(e, data.Transaction) or as_of is None or e.date <= as_of
    ]
    root = realization.realize(chosen)  # type: ignore[no-untyped-call]
    result: dict[str, dict[str, Decimal]] = {}
    for real_account in realization.iter_children(root):  # type: ignore[no-untyped-call]
        if not real_account.account:
            continue
        per_currency: dict[str, Decimal] = {}
        for position in real_account.balance:
            units = position.units
            per_currency[units.currency] = per_currency.get(units.currency, Decimal(0)) + (
                units.number
            )
        result[real_account.account] = per_currency
    return result


def compare_balances(
    balances: dict[str, dict[str, Decimal]],
    ledger: TrialBalance | Sequence[TrialBalance],
    names: Mapping[str, Mapping[str, str]],
) -> tuple[list[BalanceMismatch], int]:
    """Mismatches between beancount's balances and the ledger's trial balance(s).

    ``names`` is the builder's ``{book: {account code: beancount name}}``.
    Beancount's realization gives every account its *own* balance (a parent's
    row does not include its sub-accounts), which is what the ledger's trial
    balance holds too, so rows compare one to one.
    """
    mismatches: list[BalanceMismatch] = []
    known: set[str] = set()
    rows = [
        row for tb in ([ledger] if isinstance(ledger, TrialBalance) else ledger) for row in tb.rows
    ]
    for row in rows:
        account = row.account
        name = names[account.book][account.code]
        known.add(name)
        expected = row.balance.amount
        found = balances.get(name, {})
        got = found.get(account.currency, Decimal(0))
        if got != expected:
            mismatches.append(BalanceMismatch(name, account.currency, expected, got))
        for currency, number in sorted(found.items()):
            if currency != account.currency and number:
                mismatches.append(BalanceMismatch(name, currency, Decimal(0), number))
    for name, found in sorted(balances.items()):
        if name in known:
            continue
        for currency, number in sorted(found.items()):
            if number:  # e.g. the opening-balances account must net to zero
                mismatches.append(BalanceMismatch(name, currency, Decimal(0), number))
    return mismatches, len(rows)


def check_chain_links(entries: Sequence[Any]) -> list[str]:
    """Follow every account's hash chain through the file (see module docstring).

    An account whose first posting in the file has ``seq`` > 1 starts
    mid-chain (a period export); its first link points outside the file and is
    not checked. Files written without chain metadata have nothing to check.
    """
    chains: dict[str, list[tuple[int, str, str, int]]] = defaultdict(list)
    for entry in entries:
        if not isinstance(entry, data.Transaction) or "entry_hash" not in entry.meta:
            continue
        entry_hash = str(entry.meta["entry_hash"])
        entry_id = int(entry.meta["entry_id"])
        for posting in entry.postings:
            meta = posting.meta or {}
            if "seq" in meta and "prev_hash" in meta:
                chains[posting.account].append(
                    (int(meta["seq"]), str(meta["prev_hash"]), entry_hash, entry_id)
                )
    problems: list[str] = []
    for account, links in sorted(chains.items()):
        links.sort()
        seq, prev_hash, _, entry_id = links[0]
        if seq == 1 and prev_hash != GENESIS_HASH:
            problems.append(f"{account}: entry #{entry_id} starts the chain without genesis")
        for previous, current in itertools.pairwise(links):
            if current[0] != previous[0] + 1:
                problems.append(
                    f"{account}: posting {previous[0] + 1} missing before entry #{current[3]}"
                )
            elif current[1] != previous[2]:
                problems.append(
                    f"{account}: entry #{current[3]} does not link to entry #{previous[3]}"
                )
    return problems


async def check_export(
    source: Database | AsyncConnection, book: str | None, text: str, as_of: date | None = None
) -> ExportCheck:
    """Load ``text`` and compare it with book ``book`` (``None``: every book) at ``as_of``."""
    loaded = load_export(text)
    async with snapshot(source) as conn:
        store = LedgerStore(conn)
        books = await store.books() if book is None else [await store.book(book)]
        ledger = [await store.trial_balance(b.code, as_of) for b in books]
        accounts = await store.accounts(book)
    names = BeancountBuilder(books if book is None else books[0], accounts).names
    mismatches, compared = compare_balances(export_balances(loaded.entries, as_of), ledger, names)
    return ExportCheck(
        errors=loaded.errors,
        mismatches=tuple(mismatches),
        chain_problems=tuple(check_chain_links(loaded.entries)),
        accounts_compared=compared,
    )
