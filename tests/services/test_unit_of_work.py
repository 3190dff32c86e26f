"""The database's unit of work, on both dialects: explicit change records, the race retry,
and database refusals typed below the API."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from moneyed import Money
from sqlalchemy.exc import DBAPIError

from riskpool.bootstrap import App, build
from riskpool.domain.commands import funds as fc
from riskpool.domain.commands import parties as pc
from riskpool.domain.handlers.ports import IdempotencyRace
from riskpool.domain.model.chart import Acct, BookCode
from riskpool.domain.model.parties import Actor, InstitutionKind, Role
from riskpool.domain.model.uscc import generate_uscc
from riskpool.domain.persistence.refusals import is_unique_violation_of
from riskpool.domain.persistence.statistics_cache import domain_version
from riskpool.domain.persistence.uow import IdempotencyRecords, SqlUnitOfWork
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.settings import Settings

OPERATOR = Actor(Role.OPERATOR, "operator")
FINANCE = Actor(Role.FINANCE_BUREAU, "finance")
EVER = (date(2000, 1, 1), date(2100, 1, 1))


def cny(value: str) -> Money:
    return Money(Decimal(value), "CNY")


def _app(database: Any, **kwargs: Any) -> App:
    return build(Settings(database_url=database.url, load_demo=False), db=database.db, **kwargs)


async def _version(database: Any) -> int:
    async with database.db.transaction(write=False) as conn:
        return await domain_version(conn)


async def test_the_data_version_moves_exactly_when_a_domain_table_changed(database: Any) -> None:
    app = _app(database)
    start = await _version(database)
    await app.set_up()  # the ledger's books and accounts only
    await app.handle(fc.ReserveTranche(1, date(2019, 6, 1), cny("5.00"), "t-1"), FINANCE)
    assert await _version(database) == start
    register = pc.RegisterInstitution("甲银行", InstitutionKind.BANK, idempotency_key="bank")
    await app.handle(register, OPERATOR)
    assert await _version(database) == start + 1
    await app.handle(register, OPERATOR)  # a replay writes nothing
    with pytest.raises(RiskpoolError) as duplicate:  # a refusal writes nothing
        await app.handle(pc.RegisterInstitution("甲银行", InstitutionKind.BANK), OPERATOR)
    assert duplicate.value.code is ErrorCode.DUPLICATE
    assert await _version(database) == start + 1
    await app.handle(pc.RegisterFirm("甲科技", generate_uscc(3), "电子信息", cny("1.00")), OPERATOR)
    assert await _version(database) == start + 2


async def test_concurrent_first_uses_of_one_key_answer_alike(database: Any) -> None:
    """On PostgreSQL all four miss the record (they wait for each other after the check),
    three lose the race on the record's key and are answered by the winner's record; on
    SQLite write transactions are serial, so the later ones simply replay."""
    racers = 4
    barrier = asyncio.Barrier(racers)
    races = 0
    opened = 0

    class Checked(SqlUnitOfWork):
        async def __aenter__(self) -> Checked:
            nonlocal opened
            entered = await super().__aenter__()
            opened += 1
            if database.dialect == "postgresql" and opened <= racers:
                replay = self.idempotency.replay

                async def then_wait(*args: Any) -> Any:
                    found = await replay(*args)
                    await barrier.wait()
                    return found

                self.idempotency.replay = then_wait  # type: ignore[method-assign]
            reserve = self.idempotency.reserve

            async def counted(*args: Any) -> None:
                nonlocal races
                try:
                    await reserve(*args)
                except IdempotencyRace:
                    races += 1
                    raise

            self.idempotency.reserve = counted  # type: ignore[method-assign]
            return entered

    app = _app(database, uow_factory=lambda: Checked(database.db))
    await app.set_up()
    opened = 0
    command = fc.TopUp(BookCode.CITY_POOL, date(2025, 3, 1), cny("7.00"), "top-up", "same-key")
    results = await asyncio.gather(*(app.handle(command, FINANCE) for _ in range(racers)))
    assert all(result == results[0] for result in results)
    assert races == (racers - 1 if database.dialect == "postgresql" else 0)
    lines = (await app.ledger.statement(BookCode.CITY_POOL.value, Acct.CASH, *EVER)).lines
    assert [line.amount for line in lines] == [cny("7.00")]


async def test_a_second_record_of_one_key_is_recognised_by_its_error_code(database: Any) -> None:
    async with database.db.transaction() as conn:
        records = IdempotencyRecords(conn)
        await records.reserve("k", "op", "fp")
        with pytest.raises(IdempotencyRace) as race:
            await records.reserve("k", "op", "fp")
    cause = race.value.__cause__
    assert isinstance(cause, DBAPIError)
    assert is_unique_violation_of(cause, "idempotency_records", "pk_idempotency_records")


async def test_overlong_input_is_refused_by_the_domain_alike_on_both_dialects(
    database: Any,
) -> None:
    """The domain bounds every text field (the same limit on both dialects), so input
    PostgreSQL would refuse and SQLite would store never reaches either: VALIDATION, and
    nothing is written. (The SQLSTATE mapping behind it, the last line of defence, is
    tested in tests/api/test_api_input_refusal.py.)"""
    app = _app(database)
    bank = await app.handle(pc.RegisterInstitution("丙银行", InstitutionKind.BANK), OPERATOR)
    assert bank.id is not None
    before = await _version(database)
    with pytest.raises(RiskpoolError) as refused:
        await app.handle(pc.SuspendInstitution(bank.id, "办" * 3000), OPERATOR)
    assert refused.value.code is ErrorCode.VALIDATION
    with pytest.raises(RiskpoolError) as subject:
        Actor(Role.OPERATOR, "办" * 300)
    assert subject.value.code is ErrorCode.VALIDATION
    assert await _version(database) == before


async def test_use_cases_outside_the_bus_get_the_same_last_line_of_defence() -> None:
    """Reconciliation's use cases run through ``App.guarded``: a data exception is VALIDATION,
    anything else the database raises stays a fault."""

    class Orig(Exception):
        def __init__(self, sqlstate: str) -> None:
            self.sqlstate = sqlstate

    app = build(Settings(database_url="sqlite+aiosqlite://", load_demo=False))

    async def failing(state: str) -> None:
        raise DBAPIError("statement", {}, Orig(state))

    with pytest.raises(RiskpoolError) as refused:
        await app.guarded(lambda: failing("22001"))
    assert refused.value.code is ErrorCode.VALIDATION
    with pytest.raises(DBAPIError):
        await app.guarded(lambda: failing("40001"))
    assert await app.guarded(lambda: asyncio.sleep(0, result=7)) == 7
    await app.close()
