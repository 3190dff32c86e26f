"""Importing statements into the database: idempotent, overlap-aware, all or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from recon_db import BANK, MARCH, D, counts, service, statement

from riskpool.errors import ErrorCode
from riskpool.reconciliation.errors import StatementError


async def test_the_same_file_twice_adds_nothing(database: Any) -> None:
    recon = await service(database.db)
    data = statement(MARCH)
    first = await recon.import_file("alice", data, filename="march.sta")
    assert (first.lines_added, first.already_imported) == (3, False)
    before = await counts(database.db)
    again = await recon.import_file("bob", data, filename="copy-of-march.sta")
    assert again.already_imported and again.lines_added == 0
    assert again.file_id == first.file_id
    assert await counts(database.db) == before


async def test_an_overlapping_statement_adds_only_its_new_lines(database: Any) -> None:
    recon = await service(database.db)
    early = statement(MARCH[:2])  # 03-03 and 03-05; closes 800.00 on 03-05
    late = statement(  # the bank's export from 03-04: 03-05 again, then 03-10
        MARCH[1:], opening="1000.00", opening_day=D(2025, 3, 4), number="2/1"
    )
    await recon.import_file("alice", early, filename="early.sta")
    result = await recon.import_file("alice", late, filename="late.sta")
    assert (result.lines_added, result.lines_known, result.statements_stored) == (1, 1, 1)
    assert (await counts(database.db))["recon_lines"] == 3
    # The stored statement continues the first: the bank balance on 03-10 is 850.00.
    from riskpool.reconciliation.report import bank_balance_on
    from riskpool.reconciliation.store import ReconciliationStore

    async with database.db.transaction(write=False) as conn:
        stored = await ReconciliationStore(conn).statements(BANK)
    assert str(bank_balance_on(stored, D(2025, 3, 10)).amount) == "850.00"
    assert str(bank_balance_on(stored, D(2025, 3, 5)).amount) == "800.00"
    # A statement with nothing new is skipped; importing it stores the file only.
    repeat = await recon.import_file(
        "alice", statement(MARCH[1:2], opening="1000.00", opening_day=D(2025, 3, 4), number="3/1")
    )
    assert (repeat.lines_added, repeat.statements_stored) == (0, 0)


async def test_a_continuity_break_is_refused_and_nothing_is_stored(database: Any) -> None:
    recon = await service(database.db)
    await recon.import_file("alice", statement(MARCH[:2]), filename="early.sta")
    before = await counts(database.db)
    wrong = statement(  # opens with 999.00 where the last statement closed with 800.00
        [MARCH[2]], opening="999.00", opening_day=D(2025, 3, 5), number="2/1"
    )
    with pytest.raises(StatementError) as refused:
        await recon.import_file("alice", wrong, filename="wrong.sta")
    assert refused.value.code is ErrorCode.STATEMENT_DISCONTINUOUS
    (brk,) = refused.value.breaks
    assert (brk.kind, brk.expected, brk.found) == ("opening_balance", "800.00 CNY", "999.00 CNY")
    assert await counts(database.db) == before


async def test_an_overlap_that_is_not_a_prefix_is_refused(database: Any) -> None:
    recon = await service(database.db)
    await recon.import_file(
        "alice", statement([MARCH[1]], opening="1000.00", opening_day=D(2025, 3, 4))
    )
    before = await counts(database.db)
    # 03-03 is new but 03-05 is already stored: the stored statement missed a line.
    with pytest.raises(StatementError) as refused:
        await recon.import_file("alice", statement(MARCH[:2], number="2/1"))
    assert refused.value.code is ErrorCode.STATEMENT_DISCONTINUOUS
    assert refused.value.breaks[0].kind == "overlap"
    assert await counts(database.db) == before


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (statement(MARCH, closing="999.00"), ErrorCode.STATEMENT_UNBALANCED),
        (b":20:X\n:25:Y\n:60F:C250101CNY1,00\n:61:garbage\n", ErrorCode.STATEMENT_INVALID),
        (b"%PDF-1.4 not a statement", ErrorCode.UNSUPPORTED_FORMAT),
        (b"\x00\x01\x02 binary", ErrorCode.STATEMENT_INVALID),
    ],
)
async def test_bad_input_stores_nothing(database: Any, data: bytes, code: ErrorCode) -> None:
    recon = await service(database.db)
    before = await counts(database.db)
    with pytest.raises(StatementError) as refused:
        await recon.import_file("alice", data, filename="bad")
    assert refused.value.code is code
    assert await counts(database.db) == before


async def test_a_file_above_the_size_limit_is_refused_unread(database: Any) -> None:
    recon = await service(database.db)
    recon.max_bytes = 100
    with pytest.raises(StatementError) as refused:
        await recon.import_file("alice", statement(MARCH))
    assert refused.value.code is ErrorCode.FILE_TOO_LARGE
    assert (await counts(database.db))["recon_files"] == 0
