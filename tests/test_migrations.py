"""Alembic builds the schema from empty on both dialects, matching the code's metadata
and the database's logic as its files define it."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import riskpool.domain.persistence.innovation_tables
import riskpool.domain.persistence.tables
import riskpool.ledger.schema  # noqa: F401
from riskpool import dbsql, migrate
from riskpool.db import create_engine, metadata
from riskpool.reconciliation import tables as _reconciliation  # noqa: F401

# What the database prints back for each function and trigger, by (kind, name).
DEFINITIONS = {
    "postgresql": (
        "SELECT 'function', p.proname, pg_get_functiondef(p.oid) FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
        " UNION ALL"
        " SELECT 'trigger', t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t"
        " WHERE NOT t.tgisinternal"
    ),
    "sqlite": "SELECT type, name, sql FROM sqlite_master WHERE type = 'trigger'",
}


async def test_migrated_schema_matches_metadata(database: Any) -> None:
    def diff(connection: Any) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": False, "compare_server_default": False}
        )
        return list(compare_metadata(context, metadata))

    async with database.db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []
    assert await migrate.current_revision(database.db.engine) == migrate.head_revision()


async def test_upgrade_from_empty_and_downgrade_to_empty(database: Any) -> None:
    engine = database.db.engine
    await migrate.downgrade(engine, "base")

    def tables(connection: Any) -> set[str]:
        return set(inspect(connection).get_table_names()) - {"alembic_version"}

    async with engine.connect() as conn:
        assert await conn.run_sync(tables) == set()
    await migrate.upgrade(engine)
    async with engine.connect() as conn:
        assert {"ledger_entries", "ledger_postings"} <= await conn.run_sync(tables)
        triggers = (
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal"
            if database.dialect == "postgresql"
            else "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
        )
        assert (await conn.execute(text(triggers))).scalar_one() >= 5


async def test_upgrade_is_idempotent(tmp_path: Any) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    await migrate.upgrade(engine)
    await migrate.upgrade(engine)
    assert await migrate.current_revision(engine) == migrate.head_revision()
    await engine.dispose()


async def test_the_migrated_database_logic_equals_its_files(database: Any) -> None:
    """Every function and trigger of a freshly migrated database is defined exactly as
    its file in ``ledger/sql``, ``domain/persistence/sql`` or ``reconciliation/sql``
    says, and there is no other: a changed file without a migration installing it
    fails here, and so does a migration without its file."""
    async with database.db.engine.connect() as conn:
        rows = (await conn.execute(text(DEFINITIONS[database.dialect]))).all()
    migrated = {(kind, name): sql.strip() for kind, name, sql in rows}
    current = {(obj.kind, obj.name): obj.sql for obj in dbsql.current(database.dialect)}
    assert sorted(migrated) == sorted(current)
    for key, sql in current.items():
        assert migrated[key] == sql, key


def test_a_sql_file_holds_one_named_statement() -> None:
    obj = dbsql.parse("x.trigger.sql", "-- why\n\nCREATE TRIGGER x …\n")
    assert obj == dbsql.SqlObject("x", "trigger", "CREATE TRIGGER x …")
    for name, body in (
        ("x.sql", "CREATE TRIGGER x …"),
        ("x.view.sql", "CREATE VIEW x …"),
        ("x.trigger.sql", "-- only a comment"),
        ("x.trigger.sql", "CREATE TRIGGER x …;"),
    ):
        with pytest.raises(ValueError):
            dbsql.parse(name, body)
