"""The JSON answer every fake platform server gives."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any


def send_json(request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
    """Answer ``request`` with ``body``; a client that gave up (a timeout test) is fine."""
    payload = json.dumps(body).encode()
    try:
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)
    except OSError:
        pass
