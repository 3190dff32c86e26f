"""What the remaining read services share: the database they read.

The use cases moved to commands and handlers (:mod:`riskpool.domain.handlers`);
what is left under ``services`` are reads (warnings, innovation scores and the
catalogue), which are moving into views.
"""

from __future__ import annotations

from riskpool.db import Database


class Service:
    """Base of the read services: the database they open read transactions on."""

    def __init__(self, db: Database) -> None:
        self.db = db
