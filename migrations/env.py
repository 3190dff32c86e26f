"""Alembic environment: runs migrations on a connection handed over by riskpool.

riskpool calls Alembic programmatically (:mod:`riskpool.migrate`) with an open
synchronous connection in ``config.attributes["connection"]`` (obtained from
the async engine through ``run_sync``), so the same code path serves
``riskpool db upgrade``, server start-up and the tests.
"""

from __future__ import annotations

from alembic import context

import riskpool.domain.persistence.innovation_tables  # registers the innovation tables
import riskpool.domain.persistence.tables  # registers the domain tables
import riskpool.ledger.schema  # noqa: F401 - registers the ledger tables
from riskpool.db import metadata
from riskpool.reconciliation import tables as _reconciliation  # noqa: F401 - registers its tables

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached by the bare alembic CLI
    raise RuntimeError("run migrations through `riskpool db upgrade`")


context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
