"""The ``api`` fixture: the real ASGI app over a fresh database with a small world."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_harness import Api, Clock, build_world

from riskpool.bootstrap import build
from riskpool.graphql.app import create_app
from riskpool.settings import Settings


@pytest.fixture
async def api(database: Any) -> AsyncIterator[Api]:
    settings = Settings(database_url=database.url, load_demo=False)
    clock = Clock()
    app = build(settings, db=database.db, clock=clock)
    world = await build_world(app)
    asgi = create_app(app)
    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Api(app, client, world, clock)
