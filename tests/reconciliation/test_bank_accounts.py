"""The registry of the fund's bank accounts (issue 17, point 3), on both dialects.

A statement of an account the fund has not registered — or in another currency,
or opening before the account was — is refused and nothing of its file is
stored; matching and the 银行存款余额调节表 run per registered account.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from recon_builders import mt940_statement
from recon_db import (
    BANK,
    MARCH,
    POOL_ACCOUNT,
    counts,
    pool_ledger,
    register_bank,
    service,
    statement,
)
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.reconciliation.errors import StatementError
from riskpool.reconciliation.service import ReconciliationService
from riskpool.reconciliation.store import database_refusal

OTHER = "41050100000000000077"


def other_statement(opening_day: date = date(2025, 2, 28)) -> bytes:
    return mt940_statement(
        reference="OTHER1",
        account=OTHER,
        number="1/1",
        opening=Decimal("10.00"),
        opening_day=opening_day,
        lines=[(date(2025, 3, 4), Decimal("5.00"), "X1", "BX1", "/REMI/fee refund")],
    ).encode()


async def test_a_statement_of_an_unregistered_account_stores_nothing(database: Any) -> None:
    recon = await service(database.db)
    before = await counts(database.db)
    with pytest.raises(StatementError) as refused:
        await recon.import_file("alice", other_statement(), filename="other.sta")
    assert refused.value.code is ErrorCode.STATEMENT_ACCOUNT_UNKNOWN
    assert refused.value.message.startswith("other.sta: OTHER1:1/1: bank account " + OTHER)
    assert BANK in refused.value.message  # names the registered ones
    assert await counts(database.db) == before
    await register_bank(recon, OTHER)
    stored = await recon.import_file("alice", other_statement(), filename="other.sta")
    assert stored.lines_added == 1


async def test_a_statement_before_the_account_opened_or_in_another_currency_is_refused(
    database: Any,
) -> None:
    recon = await service(database.db)
    await register_bank(recon, OTHER, opened=date(2025, 3, 1))
    before = await counts(database.db)
    with pytest.raises(StatementError) as early:
        await recon.import_file("alice", other_statement(date(2025, 2, 28)))
    assert early.value.code is ErrorCode.STATEMENT_ACCOUNT_UNKNOWN
    assert "before bank account" in early.value.message
    euro = other_statement(date(2025, 3, 1)).replace(b"CNY", b"EUR")
    with pytest.raises(StatementError) as currency:
        await recon.import_file("alice", euro, filename="eur.sta")
    assert currency.value.code is ErrorCode.STATEMENT_ACCOUNT_UNKNOWN
    assert "registered in CNY, the statement is in EUR" in currency.value.message
    assert await counts(database.db) == before


async def test_registration_is_checked(database: Any) -> None:
    await pool_ledger(database.db)
    recon = ReconciliationService(database.db)
    stored = await recon.register_account("alice", replace(POOL_ACCOUNT, bank=" 郑州银行 "))
    assert stored.id is not None and stored.bank == "郑州银行" and stored.registered_by == "alice"
    assert stored.registered_at is not None and stored.registered_at.tzinfo is not None
    cases = [
        (replace(POOL_ACCOUNT, ledger_account="100299", number="X1"), ErrorCode.UNKNOWN_ACCOUNT),
        (replace(POOL_ACCOUNT, currency="USD", number="X2"), ErrorCode.VALIDATION),
        (replace(POOL_ACCOUNT, currency="C1"), ErrorCode.VALIDATION),
        (replace(POOL_ACCOUNT, bank=""), ErrorCode.VALIDATION),
        (replace(POOL_ACCOUNT, number="4105 0100"), ErrorCode.VALIDATION),
        (replace(POOL_ACCOUNT, number="x" * 65), ErrorCode.VALIDATION),
        (POOL_ACCOUNT, ErrorCode.DUPLICATE),  # the same number again
        (replace(POOL_ACCOUNT, number="OTHER"), ErrorCode.DUPLICATE),  # the same ledger account
    ]
    for account, code in cases:
        with pytest.raises(RiskpoolError) as refused:
            await recon.register_account("alice", account)
        assert refused.value.code is code, (account, refused.value.message)
    assert [a.number for a in await recon.accounts()] == [BANK]


async def test_the_registry_is_append_only_in_the_database(database: Any) -> None:
    recon = await service(database.db)
    for statement_sql in (
        "UPDATE recon_bank_accounts SET currency = 'USD'",
        "DELETE FROM recon_bank_accounts",
    ):
        with pytest.raises(DBAPIError) as refused:
            async with database.db.transaction(write=True) as conn:
                await conn.execute(text(statement_sql))
        # SQLSTATE RP003 on PostgreSQL, the trigger's message exactly RP003 on SQLite.
        code = database_refusal(refused.value) if database.dialect == "postgresql" else None
        assert code == "RP003" or str(refused.value.orig) == "RP003", refused.value
    assert [a.currency for a in await recon.accounts()] == ["CNY"]


async def test_run_proposals_and_report_are_per_account(database: Any) -> None:
    recon = await service(database.db)
    await register_bank(recon, OTHER)
    await recon.import_file("alice", statement(MARCH), filename="march.sta")
    await recon.import_file("alice", other_statement(), filename="other.sta")

    dry = await recon.run("alice", dry_run=True)
    assert [r.run.bank_account for r in dry] == [BANK, OTHER]
    runs = await recon.run("alice")
    by_account = {r.run.bank_account: r.run for r in runs}
    assert (by_account[BANK].auto_confirmed, by_account[BANK].proposals) == (2, 1)
    assert (by_account[OTHER].lines_considered, by_account[OTHER].matches) == (1, 0)
    assert by_account[OTHER].account != by_account[BANK].account  # its own cash account

    assert len(await recon.proposals()) == 1
    assert await recon.proposals(OTHER) == []
    with pytest.raises(RiskpoolError) as unknown:
        await recon.proposals("NOPE")
    assert unknown.value.code is ErrorCode.NOT_FOUND

    reports = await recon.reports(date(2025, 3, 31))
    assert [r.bank_account for r in reports] == [BANK, OTHER]
    other = reports[1].report.table
    assert str(other.bank_balance.amount) == "15.00" and str(other.book_balance.amount) == "0.00"
    assert str(other.bank_received_not_booked.amount) == "5.00"
    with pytest.raises(RiskpoolError) as several:
        await recon.report(date(2025, 3, 31))
    assert several.value.code is ErrorCode.VALIDATION and OTHER in several.value.message
    one = await recon.report(date(2025, 3, 31), BANK)
    assert one.bank_account == BANK and one.report.table.balanced


async def test_nothing_registered_is_said(database: Any) -> None:
    await pool_ledger(database.db)
    recon = ReconciliationService(database.db)
    with pytest.raises(RiskpoolError) as none:
        await recon.run("alice")
    assert none.value.code is ErrorCode.NOT_FOUND and "register" in none.value.message
    with pytest.raises(RiskpoolError) as single:
        await recon.report(date(2025, 3, 31))
    assert single.value.code is ErrorCode.NOT_FOUND
    # Lists over every account are empty, not an error; a named unknown one is NOT_FOUND.
    assert await recon.reports(date(2025, 3, 31)) == []
    assert await recon.proposals() == []
    with pytest.raises(RiskpoolError) as named:
        await recon.reports(date(2025, 3, 31), "NOPE")
    assert named.value.code is ErrorCode.NOT_FOUND
