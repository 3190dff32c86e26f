"""What a riskpool process does before it serves: migrate, set up the chart, load the demo.

Shared by ``riskpool serve`` (through the ASGI lifespan) and the tests that
start the real server, so both run exactly the same start-up. The demo writes
into the append-only ledger, so it loads by default in development only; the
settings decide (``RISKPOOL_LOAD_DEMO``).
"""

from __future__ import annotations

import structlog

from riskpool import migrate
from riskpool.bootstrap import App

log = structlog.get_logger("riskpool.startup")


async def prepare(app: App) -> None:
    await migrate.upgrade(app.db.engine)
    await app.set_up()
    if app.settings.load_demo:
        # Only by default in development (settings.py); elsewhere someone asked for it.
        if app.settings.is_production:
            log.warning("demo.loading_in_production", reason="RISKPOOL_LOAD_DEMO=true")
        from riskpool.demo import load_demo
        from riskpool.demo.statements import load_demo_statements

        report = await load_demo(app)
        log.info("demo.loaded", report=str(report))
        statements = await load_demo_statements(app.reconciliation)
        log.info("demo.statements", imports=len(statements.imports), ran=statements.run is not None)
    log.info("startup.ready", database=app.db.dialect)
