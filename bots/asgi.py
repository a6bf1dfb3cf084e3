"""An ASGI entry point for running the app under any ASGI server.

    uvicorn --factory bots.asgi:app_from_environment

``antirelous serve`` is the usual way; this serves deployments that bring their own server
settings (workers, HTTP implementation, TLS). Settings come from the environment and ``.env``.
"""

from __future__ import annotations

from fastapi import FastAPI

from bots.app import create_app
from bots.process import settle_for_serving
from bots.settings import Settings


def app_from_environment() -> FastAPI:
    """The app, configured from the environment (never in dev mode)."""
    app = create_app(Settings())
    settle_for_serving()
    return app
