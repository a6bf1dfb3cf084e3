"""The ASGI factory that other servers use reads its settings from the environment."""

from __future__ import annotations

import pytest

from bots.asgi import app_from_environment
from tests.conftest import SECRET_KEY


def test_the_factory_builds_the_app_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    monkeypatch.setenv("ANTIRELOUS_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ANTIRELOUS_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("ANTIRELOUS_DOCS", "1")
    app = app_from_environment()
    try:
        paths = {getattr(route, "path", None) for route in app.routes}
        assert {"/webhooks/twilio/sms", "/webhooks/twilio/whatsapp", "/docs"} <= paths
    finally:
        app.state.engine.dispose()
