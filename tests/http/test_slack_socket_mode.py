"""Socket Mode: the same commands over a websocket the service opens itself."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from replies.types import Channel
from storage.control_repository import ControlRepository
from tests.conftest import SettingsFactory
from tests.fakes.slack_server import FakeSlack
from tests.fakes.slack_socket import FakeSocketMode
from tests.http.test_slack import ADMIN, OTHER
from tests.support.app import running_app
from tests.support.clock import FakeClock

APP_TOKEN = "xapp-1-fake-app-token"


@pytest.fixture
def slack() -> Iterator[tuple[FakeSlack, FakeSocketMode]]:
    api, socket = FakeSlack("xoxb-fake", app_token=APP_TOKEN), FakeSocketMode()
    api.socket_url = socket.url
    yield api, socket
    socket.close()
    api.close()


def slash(envelope_id: str, command: str, text: str, user: str) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {"command": command, "text": text, "user_id": user, "team_id": "T0"},
    }


async def test_commands_arrive_over_the_socket_and_are_answered_there(
    make_settings: SettingsFactory, clock: FakeClock, slack: tuple[FakeSlack, FakeSocketMode]
) -> None:
    api, socket = slack
    settings = make_settings(
        slack_app_token=APP_TOKEN, slack_api_url=api.api_url, slack_admin_users=ADMIN
    )
    async with running_app(settings, clock) as (app, _):
        socket.envelopes.put(slash("env-1", "/pause", "sms 2h", ADMIN))
        admin_ack = await asyncio.to_thread(socket.acks.get, True, 10)
        socket.envelopes.put(slash("env-2", "/resume", "sms", OTHER))
        other_ack = await asyncio.to_thread(socket.acks.get, True, 10)
        pauses = ControlRepository(app.state.engine).pauses(clock())
    assert api.called("apps.connections.open")
    assert admin_ack["envelope_id"] == "env-1"
    assert "paused sms until" in admin_ack["payload"]["text"]
    assert other_ack["payload"]["text"].startswith("Only the admins")
    assert set(pauses) == {Channel.SMS}
