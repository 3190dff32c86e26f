"""The database itself refuses a bad ledger, whoever writes to it.

Each test goes around the service with raw SQL and attempts one violation;
the database must refuse it, with the code that names the rule, and keep its
state. Run on SQLite and PostgreSQL. The rules of riskpool's own SQL
(``ledger/sql``) are read by their code (:func:`riskpool.db.refusal_code`,
from :data:`riskpool.errors.DATABASE_REFUSALS`); the constraints' by the
database's own code for them (:func:`riskpool.db.error_state`).
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import cny, pool_book, transfer
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from riskpool.db import error_state, is_unique_violation, refusal_code
from riskpool.errors import ErrorCode
from riskpool.ledger.service import Ledger

GENESIS = "0" * 64
FOREIGN_KEY = {"23503", "SQLITE_CONSTRAINT_FOREIGNKEY"}
CHECK = {"23514", "SQLITE_CONSTRAINT_CHECK"}


@pytest.fixture
async def seeded(database: Any) -> Any:
    ledger = Ledger(database.db)
    await pool_book(ledger)
    first = await ledger.post(transfer("seed", "1002", "3001", 100))
    return database, ledger, first


async def _ids(conn: Any) -> dict[str, int]:
    rows = await conn.execute(text("SELECT code, id FROM ledger_accounts"))
    return {code: account_id for code, account_id in rows}


async def _refused(
    database: Any, sql: list[str], params: dict[str, Any] | None = None
) -> DBAPIError:
    """Run ``sql`` in one transaction; it must fail. Returns the database's error."""
    with pytest.raises(DBAPIError) as caught:
        async with database.db.transaction() as conn:
            ids = await _ids(conn)
            bound = {"cash": ids["1002"], "capital": ids["3001"], **(params or {})}
            for statement in sql:
                await conn.execute(
                    text(statement), {k: v for k, v in bound.items() if f":{k}" in statement}
                )
    return caught.value


POSTING = (
    "INSERT INTO ledger_postings (entry_id, account_id, currency, amount, account_seq, "
    "balance_after, prev_hash) VALUES "
)
ENTRY = (
    "INSERT INTO ledger_entries (id, book_id, effective_date, booked_at, description, metadata, "
    "idempotency_key, payload_hash, actor, entry_hash) VALUES (:entry, 1, '2025-01-01', "
    "'2025-01-01 00:00:00', 'raw', '{}', :key, 'x', 'raw', 'x')"
)


async def _state(ledger: Ledger) -> Any:
    return [
        (row.account.code, row.debits, row.credits)
        for row in (await ledger.trial_balance("POOL")).rows
    ]


async def test_unbalanced_entry_is_refused(seeded: Any) -> None:
    database, ledger, _ = seeded
    before = await _state(ledger)
    refused = await _refused(
        database,
        [
            POSTING + f"(900, :cash, 'CNY', 500, 2, 10500, '{GENESIS}')",
            POSTING + f"(900, :capital, 'CNY', -400, 2, -10400, '{GENESIS}')",
            ENTRY,
        ],
        {"entry": 900, "key": "raw-unbalanced"},
    )
    assert refusal_code(refused) is ErrorCode.UNBALANCED
    assert await _state(ledger) == before


async def test_entry_without_postings_is_refused(seeded: Any) -> None:
    database, _, _ = seeded
    refused = await _refused(database, [ENTRY], {"entry": 901, "key": "raw-empty"})
    assert refusal_code(refused) is ErrorCode.UNBALANCED


async def test_posting_without_entry_is_refused_at_commit(seeded: Any) -> None:
    database, ledger, _ = seeded
    before = await _state(ledger)
    refused = await _refused(
        database,
        [
            POSTING + f"(902, :cash, 'CNY', 5, 2, 10005, '{GENESIS}')",
            POSTING + f"(902, :capital, 'CNY', -5, 2, -10005, '{GENESIS}')",
        ],
    )
    assert error_state(refused) in FOREIGN_KEY  # deferred to the commit
    assert await _state(ledger) == before


async def test_a_statement_s_postings_need_every_entry_at_commit(seeded: Any) -> None:
    """One statement writes the postings of two entries; only the first entry follows."""
    database, ledger, _ = seeded
    before = await _state(ledger)
    refused = await _refused(
        database,
        [
            POSTING + f"(905, :cash, 'CNY', 5, 2, 10005, '{GENESIS}'), "
            f"(905, :capital, 'CNY', -5, 2, -10005, '{GENESIS}'), "
            f"(906, :cash, 'CNY', 6, 3, 10011, '{GENESIS}'), "
            f"(906, :capital, 'CNY', -6, 3, -10011, '{GENESIS}')",
            ENTRY,
        ],
        {"entry": 905, "key": "raw-905"},
    )
    assert error_state(refused) in FOREIGN_KEY
    assert await _state(ledger) == before


async def test_postings_cannot_be_added_to_a_posted_entry(seeded: Any) -> None:
    database, _, first = seeded
    refused = await _refused(
        database,
        [
            POSTING + f"(:entry, :cash, 'CNY', 5, 2, 10005, '{GENESIS}')",
            POSTING + f"(:entry, :capital, 'CNY', -5, 2, -10005, '{GENESIS}')",
        ],
        {"entry": first.id},
    )
    assert refusal_code(refused) is ErrorCode.INVALID_ENTRY


async def test_postings_around_a_posted_entry_are_accepted(seeded: Any) -> None:
    """A statement's postings whose entry ids straddle an entry already posted
    (ids from one sequence interleave across writers) are checked id by id and
    accepted; at commit, every posting of the range has its entry."""
    database, ledger, _ = seeded
    entry = ENTRY.replace(":entry", ":id").replace(":key", ":k")
    async with database.db.transaction() as conn:
        ids = await _ids(conn)
        cash, capital = ids["1002"], ids["3001"]
        await conn.execute(
            text(
                POSTING + f"(901, {cash}, 'CNY', 5, 2, 10005, '{GENESIS}'), "
                f"(901, {capital}, 'CNY', -5, 2, -10005, '{GENESIS}')"
            )
        )
        await conn.execute(text(entry), {"id": 901, "k": "raw-901"})
        await conn.execute(
            text(
                POSTING + f"(900, {cash}, 'CNY', 7, 3, 10012, '{GENESIS}'), "
                f"(900, {capital}, 'CNY', -7, 3, -10012, '{GENESIS}'), "
                f"(902, {cash}, 'CNY', 9, 4, 10021, '{GENESIS}'), "
                f"(902, {capital}, 'CNY', -9, 4, -10021, '{GENESIS}')"
            )
        )
        for entry_id in (900, 902):
            await conn.execute(text(entry), {"id": entry_id, "k": f"raw-{entry_id}"})
    assert await ledger.balance("POOL", "1002") == cny("100.21")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET description = 'edited'",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_postings SET amount = amount * 2",
        "DELETE FROM ledger_postings",
    ],
)
async def test_entries_and_postings_are_append_only(seeded: Any, statement: str) -> None:
    database, ledger, first = seeded
    refused = await _refused(database, [statement])
    assert refusal_code(refused) is ErrorCode.APPEND_ONLY
    assert await ledger.entry(first.id) == first


async def test_posting_currency_must_equal_the_accounts(seeded: Any) -> None:
    database, _, _ = seeded
    refused = await _refused(
        database,
        [
            POSTING + f"(903, :cash, 'USD', 5, 2, 10005, '{GENESIS}')",
            POSTING + f"(903, :capital, 'USD', -5, 2, -10005, '{GENESIS}')",
            ENTRY,
        ],
        {"entry": 903, "key": "raw-usd"},
    )
    # The composite key (account_id, currency) -> ledger_accounts (id, currency).
    assert error_state(refused) in FOREIGN_KEY


async def test_posting_to_an_account_that_does_not_exist_is_refused(seeded: Any) -> None:
    database, ledger, _ = seeded
    before = await _state(ledger)
    refused = await _refused(
        database,
        [
            POSTING + f"(914, 999999, 'CNY', 5, 1, 5, '{GENESIS}')",
            POSTING + f"(914, :capital, 'CNY', -5, 2, -10005, '{GENESIS}')",
            ENTRY,
        ],
        {"entry": 914, "key": "raw-nowhere"},
    )
    assert error_state(refused) in FOREIGN_KEY
    assert await _state(ledger) == before


async def test_an_account_keeps_its_currency(seeded: Any) -> None:
    database, ledger, _ = seeded
    refused = await _refused(
        database, ["UPDATE ledger_accounts SET currency = 'USD' WHERE id = :cash"]
    )
    assert error_state(refused) in FOREIGN_KEY
    assert (await ledger.account("POOL", "1002")).currency == "CNY"


async def test_an_account_with_postings_is_never_deleted(seeded: Any) -> None:
    database, ledger, _ = seeded
    before = await _state(ledger)
    refused = await _refused(
        database,
        [
            "DELETE FROM ledger_balances WHERE account_id = :cash",
            "DELETE FROM ledger_accounts WHERE id = :cash",
        ],
    )
    assert error_state(refused) in FOREIGN_KEY
    assert await _state(ledger) == before
    assert await ledger.balance("POOL", "1002") == cny(100)


async def test_no_overdraft_flag_holds_against_raw_sql(seeded: Any) -> None:
    database, ledger, _ = seeded
    before = await _state(ledger)
    refused = await _refused(
        database,
        [
            POSTING + f"(904, :cash, 'CNY', -20000, 2, -10000, '{GENESIS}')",
            POSTING + f"(904, :capital, 'CNY', 20000, 2, 10000, '{GENESIS}')",
            ENTRY,
        ],
        {"entry": 904, "key": "raw-overdraft"},
    )
    assert error_state(refused) in CHECK  # ck_ledger_balances_credits_exceed_debits
    assert await _state(ledger) == before


async def test_cached_balance_cannot_be_set_below_zero(seeded: Any) -> None:
    database, _, _ = seeded
    refused = await _refused(
        database, ["UPDATE ledger_balances SET balance = -1 WHERE account_id = :cash"]
    )
    assert error_state(refused) in CHECK


async def test_idempotency_keys_are_unique(seeded: Any) -> None:
    database, _, _ = seeded
    refused = await _refused(
        database,
        [
            POSTING + f"(905, :cash, 'CNY', 5, 2, 10005, '{GENESIS}')",
            POSTING + f"(905, :capital, 'CNY', -5, 2, -10005, '{GENESIS}')",
            ENTRY,
        ],
        {"entry": 905, "key": "seed"},
    )
    assert is_unique_violation(refused)


async def test_an_entry_is_reversed_at_most_once(seeded: Any) -> None:
    database, ledger, first = seeded
    await ledger.reverse(first.id, reason="test", idempotency_key="rev-1", actor="t")
    insert = ENTRY.replace("actor, entry_hash)", "actor, entry_hash, reverses_entry_id)").replace(
        "'raw', 'x')", "'raw', 'x', :reverses)"
    )
    refused = await _refused(
        database,
        [
            POSTING + f"(906, :cash, 'CNY', 5, 4, 10005, '{GENESIS}')",
            POSTING + f"(906, :capital, 'CNY', -5, 4, -10005, '{GENESIS}')",
            insert,
        ],
        {"entry": 906, "key": "raw-rev", "reverses": first.id},
    )
    assert is_unique_violation(refused)


async def test_the_domain_s_and_reconciliation_s_records_are_append_only(seeded: Any) -> None:
    """Their guards (``domain/persistence/sql``, ``reconciliation/sql``) raise the
    same code as the ledger's."""
    database, _, _ = seeded
    async with database.db.transaction() as conn:
        await conn.execute(
            text("INSERT INTO institutions (id, name, kind) VALUES (1, 'Bank', 'BANK')")
        )
        await conn.execute(
            text(
                "INSERT INTO institution_status_changes (institution_id, seq, status, on_date, "
                "reason) VALUES (1, 1, 'ACTIVE', '2025-01-01', 'joined')"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO recon_runs (book, account, bank_account, actor, started_at, config, "
                "lines_considered, postings_considered, matches, auto_confirmed, proposals, "
                "skipped_rejected) VALUES ('POOL', '1002', 'B', 'a', '2025-01-01 00:00:00', '{}', "
                "0, 0, 0, 0, 0, 0)"
            )
        )
    for statement in (
        "UPDATE institution_status_changes SET reason = 'edited'",
        "DELETE FROM institution_status_changes",
        "UPDATE recon_runs SET actor = 'someone else'",
        "DELETE FROM recon_runs",
    ):
        refused = await _refused(database, [statement])
        assert refusal_code(refused) is ErrorCode.APPEND_ONLY, statement
