"""A fake Twilio REST API on 127.0.0.1, for the real ``twilio`` client to talk to.

It checks the account's Basic credentials, records every message it is asked to send, and
answers each one as the test scripted: accepted (201), 429, a 5xx, a 4xx with an error code,
or too slowly (a read timeout for the client).
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.json_answer import send_json


@dataclass(frozen=True)
class Scripted:
    """One answer: an HTTP status, an optional Twilio error code, an optional delay."""

    status: int = 201
    code: int | None = None
    delay_s: float = 0.0


ACCEPT = Scripted()


class FakeTwilio:
    """Runs until ``close()``; ``messages`` holds the form of every request received."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self._auth = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.messages: list[dict[str, str]] = []
        self.script: deque[Scripted] = deque()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(request.rfile.read(length).decode()).items()}
        expected = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        if request.headers.get("Authorization") != self._auth:
            send_json(request, 401, {"code": 20003, "message": "Authenticate", "status": 401})
            return
        if request.path != expected:
            send_json(request, 404, {"code": 20404, "message": "Not found", "status": 404})
            return
        answer = self.script.popleft() if self.script else ACCEPT
        self.messages.append(form)
        if answer.delay_s:
            time.sleep(answer.delay_s)
        if answer.status >= 400:
            body = {"code": answer.code, "message": "scripted failure", "status": answer.status}
            send_json(request, answer.status, body)
            return
        sid = "SM" + secrets.token_hex(16)
        send_json(
            request,
            201,
            {
                "sid": sid,
                "status": "queued",
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body"),
                "account_sid": self.account_sid,
                "price": None,
            },
        )

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
