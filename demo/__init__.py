"""The demo data set, outside the domain: a client of the composition root's bus.

``await load_demo(app)`` sends the plan (:mod:`riskpool.demo.plan`) as
commands through ``app``'s bus (:mod:`riskpool.demo.loader`) and returns the
report of what the database then holds (:mod:`riskpool.demo.report`). It is
deterministic and idempotent: loading twice changes nothing. The demo's bank
statements, generated from the loaded ledger, are :mod:`riskpool.demo.statements`.
"""

from __future__ import annotations

from riskpool.bootstrap import App
from riskpool.demo.loader import Loader
from riskpool.demo.plan import (
    DEMO_SEED,
    FIGURES_AS_OF,
    INNOVATION_YEAR,
    POOL_WARNING_AS_OF,
    TRANSFER_DATE,
    WARNINGS_AS_OF,
)
from riskpool.demo.report import DemoReport, summarize

__all__ = [
    "DEMO_SEED",
    "FIGURES_AS_OF",
    "INNOVATION_YEAR",
    "POOL_WARNING_AS_OF",
    "TRANSFER_DATE",
    "WARNINGS_AS_OF",
    "DemoReport",
    "load_demo",
]


async def load_demo(app: App) -> DemoReport:
    """Load the demo data set through ``app``'s bus; idempotent. Returns its report."""
    loaded = await Loader(app).run()
    return await summarize(loaded, app.ledger)
