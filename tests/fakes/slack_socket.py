"""A local websocket standing in for Slack's Socket Mode endpoint.

It greets each connection as Slack does (``hello``), sends the envelopes a test queues, and
collects what the client answers (acknowledgements carrying ``envelope_id``).
"""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve


class FakeSocketMode:
    """``url`` is what apps.connections.open should hand out."""

    def __init__(self) -> None:
        self.envelopes: queue.Queue[dict[str, Any]] = queue.Queue()
        self.acks: queue.Queue[dict[str, Any]] = queue.Queue()
        self._server: Server = serve(self._session, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _session(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        try:
            while True:
                try:
                    envelope = self.envelopes.get(timeout=0.05)
                    connection.send(json.dumps(envelope))
                except queue.Empty:
                    pass
                try:
                    answer = connection.recv(timeout=0.05)
                except TimeoutError:
                    continue
                self.acks.put(json.loads(answer))
        except ConnectionClosed:
            return

    def close(self) -> None:
        self._server.shutdown()
