"""A fake Telegram Bot API on 127.0.0.1, for python-telegram-bot's real ``Bot`` to talk to.

It serves ``/bot<token>/<method>``: records every call with its parameters, answers as the
Bot API does, queues updates for ``getUpdates`` (polling), and can answer the next call of a
method with a 429 carrying ``retry_after``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.json_answer import send_json

BOT_ID = 7_000_000_001


@dataclass(frozen=True)
class Call:
    """One Bot API call: the method and its parameters (JSON values decoded)."""

    method: str
    params: dict[str, Any]


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeTelegram:
    """Runs until ``close()``; ``calls`` lists every call received, in order."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: deque[dict[str, Any]] = deque()
        self.too_many: dict[str, deque[int]] = defaultdict(deque)  # method → retry_after
        self._message_ids = iter(range(1, 1_000_000))
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._handle(self)

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/bot"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def called(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of ``method``."""
        with self._lock:
            return [call.params for call in self.calls if call.method == method]

    def _params(self, request: BaseHTTPRequestHandler) -> dict[str, Any]:
        length = int(request.headers.get("Content-Length", 0))
        raw = request.rfile.read(length).decode() if length else ""
        if request.headers.get("Content-Type", "").startswith("application/json"):
            return dict(json.loads(raw or "{}"))
        return {k: _decode(v[0]) for k, v in parse_qs(raw).items()}

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        prefix = f"/bot{self.token}/"
        if not request.path.startswith(prefix):
            send_json(request, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        method = request.path.removeprefix(prefix)
        params = self._params(request)
        with self._lock:
            self.calls.append(Call(method, params))
            retry_after = self.too_many[method].popleft() if self.too_many[method] else None
        if retry_after is not None:
            send_json(
                request,
                429,
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry_after}",
                    "parameters": {"retry_after": retry_after},
                },
            )
            return
        send_json(request, 200, {"ok": True, "result": self._result(method, params)})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Antirelous",
                "username": "antirelous_bot",
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "sendMessage":
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params.get("text", ""),
            }
        if method == "getUpdates":
            offset = int(params.get("offset", 0) or 0)
            with self._lock:
                while self.updates and self.updates[0]["update_id"] < offset:
                    self.updates.popleft()
                ready = list(self.updates)
            if not ready:
                time.sleep(min(float(params.get("timeout", 0) or 0), 0.2))
            return ready
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
