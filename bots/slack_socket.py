"""Slack in Socket Mode: commands and clicks over a websocket, with no public URL.

With ``SLACK_APP_TOKEN`` (``xapp-…``, scope ``connections:write``) the service opens the
connection itself (``apps.connections.open``) and receives the same slash commands and
button clicks as over HTTP; Slack spreads them over the open connections, so any replica may
get any command, which is why every state lives in the database. slack-sdk's built-in client
runs on threads of its own, where the (blocking) commands run too.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bots.slack_commands import SlackCommands
from bots.slack_routes import post_to_response_url

log = logging.getLogger("antirelous.slack")


class SlackSocketMode:
    """One Socket Mode connection, from ``start()`` to ``stop()``."""

    def __init__(self, app_token: str, api_url: str, commands: SlackCommands) -> None:
        self._commands = commands
        self._client = SocketModeClient(app_token=app_token, web_client=WebClient(base_url=api_url))
        self._client.socket_mode_request_listeners.append(self._on_request)

    def start(self) -> None:
        """Open the connection (blocking until it is up)."""
        self._client.connect()
        log.info("slack: Socket Mode connected")

    def stop(self) -> None:
        self._client.close()

    def _on_request(self, client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        payload = request.payload
        if request.type == "slash_commands":
            answer = self._commands.run(
                str(payload.get("command", "")),
                str(payload.get("text", "")),
                str(payload.get("user_id", "")),
            )
            client.send_socket_mode_response(
                SocketModeResponse(request.envelope_id, payload=answer.as_response())
            )
            return
        client.send_socket_mode_response(SocketModeResponse(request.envelope_id))  # ack at once
        if request.type == "interactive":
            click = self._commands.run_interaction(payload)
            url = payload.get("response_url")
            if click is not None and url:
                post_to_response_url(str(url), click)
