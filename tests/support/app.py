"""The app as the platforms see it: built by ``create_app``, spoken to over ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from bots.app import create_app
from bots.settings import Settings
from replies.ports import Clock
from tests.support.clock import FakeClock


@asynccontextmanager
async def running_app(
    settings: Settings, clock: Clock | None = None, *, dev: bool = False, run_jobs: bool = False
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """Start the app (lifespan included) and yield it with a client from 127.0.0.1.

    Scheduled jobs do not run unless asked: tests run the outbox by hand, on their clock.
    """
    app = create_app(settings, clock=clock or FakeClock(), dev=dev, run_jobs=run_jobs)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client,
    ):
        yield app, client
