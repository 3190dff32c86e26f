"""A small pool in the ledger and MT940 statements of its bank account, for the DB tests.

The ledger (book ``CITY_POOL``, cash ``100201``) holds, in March 2025:

====  ==========  ==========  ==============================================
seq   date        amount      reference (idempotency key)
====  ==========  ==========  ==============================================
1     2025-03-03  +1,000.00   ``ALLOC1`` — the bank echoes it: exact match
2     2025-03-05    −200.00   ``PAY1``   — the bank echoes it: exact match
3     2025-03-10     +50.00   ``INT-Q1`` — bank interest, no reference: a proposal
====  ==========  ==========  ==============================================
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from moneyed import Money
from recon_builders import mt940_statement
from sqlalchemy import func, select

from riskpool.db import Database
from riskpool.ledger.model import AccountSpec, AccountType, EntrySpec, PostingSpec
from riskpool.ledger.service import Ledger
from riskpool.reconciliation import tables
from riskpool.reconciliation.records import BankAccount
from riskpool.reconciliation.service import ReconciliationService

BANK = "41050100000000000001"
D = date
FEB_END = date(2025, 2, 28)
LONG_AGO = date(2000, 1, 1)


def cny(value: str) -> Money:
    return Money(Decimal(value), "CNY")


async def pool_ledger(db: Database) -> Ledger:
    ledger = Ledger(db)
    await ledger.create_book("CITY_POOL", "pool")
    for code, kind in (("100201", AccountType.ASSET), ("300101", AccountType.NET_ASSETS)):
        await ledger.open_account(AccountSpec("CITY_POOL", code, code, kind, "CNY", D(2025, 1, 1)))
    for key, day, amount in (
        ("ALLOC1", D(2025, 3, 3), "1000.00"),
        ("PAY1", D(2025, 3, 5), "-200.00"),
        ("INT-Q1", D(2025, 3, 10), "50.00"),
    ):
        await ledger.post(
            EntrySpec(
                book="CITY_POOL",
                effective_date=day,
                description=key,
                postings=(
                    PostingSpec("100201", cny(amount)),
                    PostingSpec("300101", -cny(amount)),
                ),
                idempotency_key=key,
                actor="test",
            )
        )
    return ledger


POOL_ACCOUNT = BankAccount(None, "郑州银行", BANK, "CNY", "CITY_POOL", "100201", D(2025, 1, 1))


async def service(db: Database) -> ReconciliationService:
    """The pool's ledger and a service with the pool's bank account registered."""
    await pool_ledger(db)
    recon = ReconciliationService(db)
    await recon.register_account("test", POOL_ACCOUNT)
    return recon


def statement(
    lines: list[tuple[date, str, str, str]],
    *,
    opening: str = "0",
    opening_day: date = FEB_END,
    number: str = "1/1",
    closing: str | None = None,
) -> bytes:
    """One MT940 message; lines are (day, amount, customer ref, bank ref)."""
    return mt940_statement(
        reference=f"STMT{number.replace('/', '')}",
        account=BANK,
        number=number,
        opening=Decimal(opening),
        opening_day=opening_day,
        lines=[(day, Decimal(a), cref, bref, f"/REMI/{cref}") for day, a, cref, bref in lines],
        closing=Decimal(closing) if closing is not None else None,
    ).encode()


MARCH = [
    (D(2025, 3, 3), "1000.00", "ALLOC1", "B1"),
    (D(2025, 3, 5), "-200.00", "PAY1", "B2"),
    (D(2025, 3, 10), "50.00", "NONREF", "B3"),
]


async def counts(db: Database) -> dict[str, int]:
    """Rows of every reconciliation table (and of the ledger's entries)."""
    from riskpool.ledger.schema import entries

    found: dict[str, int] = {}
    async with db.transaction(write=False) as conn:
        for table in (*tables.ALL_TABLES, entries):
            result = await conn.execute(select(func.count()).select_from(table))
            found[table.name] = int(result.scalar_one())
    return found


async def register_bank(
    recon: ReconciliationService,
    number: str,
    currency: str = "CNY",
    *,
    opened: date = LONG_AGO,
) -> BankAccount:
    """Register one more bank account, mirrored by a new cash account of its own.

    Each registered account mirrors exactly one ledger account, so a test that
    imports statements of another account opens one (``1002xx`` in ``CITY_POOL``).
    """
    held = await recon.accounts()
    code = f"1002{len(held) + 1:02d}"
    await Ledger(recon.db).open_account(
        AccountSpec("CITY_POOL", code, code, AccountType.ASSET, currency, D(2000, 1, 1))
    )
    bank = BankAccount(None, "test bank", number, currency, "CITY_POOL", code, opened)
    return await recon.register_account("test", bank)
