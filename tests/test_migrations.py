"""Alembic builds the schema from empty on both dialects, matching the code's metadata."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import riskpool.domain.persistence.innovation_tables
import riskpool.domain.persistence.tables  # noqa: F401
from riskpool import migrate
from riskpool.db import create_engine, metadata
from riskpool.ledger.schema import in_metadata_comparison
from riskpool.reconciliation import tables as _reconciliation  # noqa: F401


async def test_migrated_schema_matches_metadata(database: Any) -> None:
    def diff(connection: Any) -> list[Any]:
        def include(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
            return in_metadata_comparison(connection.dialect.name, name, type_)

        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": False,
                "compare_server_default": False,
                "include_object": include,
            },
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


async def test_bulk_storage_settings_come_and_go(postgres_server: Any) -> None:
    """Migration 0011 (PostgreSQL; SQLite has no JIT, fill factor or sequences):
    every ledger function turns JIT off for its statements, whose inflated
    estimates would otherwise make PostgreSQL compile short statements at a
    third of a second each; balance rows leave room for their versions; posting
    ids are cached. Its downgrade takes all three back."""
    engine = create_engine(await postgres_server.fresh())

    async def settings() -> tuple[list[str], list[str], int]:
        async with engine.connect() as conn:
            functions = (
                await conn.execute(
                    text(
                        "SELECT proname, coalesce(proconfig, '{}') FROM pg_proc"
                        " WHERE proname LIKE 'ledger\\_%' ORDER BY proname"
                    )
                )
            ).all()
            assert len(functions) >= 10
            options = await conn.execute(
                text("SELECT reloptions FROM pg_class WHERE relname = 'ledger_balances'")
            )
            cache = await conn.execute(
                text(
                    "SELECT cache_size FROM pg_sequences"
                    " WHERE sequencename = 'ledger_postings_id_seq'"
                )
            )
            return (
                [proname for proname, config in functions if "jit=off" not in config],
                options.scalar_one() or [],
                cache.scalar_one(),
            )

    try:
        assert await settings() == ([], ["fillfactor=20"], 1000)
        await migrate.downgrade(engine, "0011_ledger_bulk_storage")  # functions replaced
        assert await settings() == ([], ["fillfactor=20"], 1000)
        await migrate.downgrade(engine, "0010_ledger_bulk_plans")
        without_jit, options, cache = await settings()
        assert "ledger_entries_inserted" in without_jit
        assert (options, cache) == ([], 1)
    finally:
        await engine.dispose()
