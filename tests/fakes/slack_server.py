"""A fake Slack Web API on 127.0.0.1 for slack-sdk's real ``WebClient``.

It records ``chat.postMessage`` and ``chat.update`` calls with their JSON, answers each with a
message timestamp, and can be taken "down" (every call answered 503) and back.
"""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.json_answer import send_json


class FakeSlack:
    """Runs until ``close()``; ``calls`` lists ``(method, body)`` in order."""

    def __init__(self, token: str, app_token: str = "xapp-0-fake") -> None:
        self.token = token
        self.app_token = app_token
        self.socket_url = ""  # what apps.connections.open hands out
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.down = False
        self._ts = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.api_url = f"http://127.0.0.1:{self._server.server_address[1]}/api/"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def called(self, method: str) -> list[dict[str, Any]]:
        return [body for name, body in self.calls if name == method]

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length", 0))
        raw = request.rfile.read(length) if length else b"{}"
        if self.down:
            send_json(request, 503, {"ok": False, "error": "service_unavailable"})
            return
        method = request.path.removeprefix("/api/")
        token = self.app_token if method == "apps.connections.open" else self.token
        if request.headers.get("Authorization") != f"Bearer {token}":
            send_json(request, 200, {"ok": False, "error": "invalid_auth"})
            return
        if method == "apps.connections.open":
            self.calls.append((method, {}))
            send_json(request, 200, {"ok": True, "url": self.socket_url})
            return
        body = json.loads(raw or b"{}") if raw.startswith(b"{") else {}
        self.calls.append((method, body))
        ts = body.get("ts") or f"1795900000.{next(self._ts):06d}"
        send_json(request, 200, {"ok": True, "channel": body.get("channel"), "ts": ts})

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
