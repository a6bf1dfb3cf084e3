"""A one-line progress bar on stderr, small enough not to need a dependency.

On a terminal the line is redrawn in place at most ten times a second; into a file or a
pipe (a CI log) a plain line is written at each tenth of the way, so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30
REDRAW_EVERY_S = 0.1


class ProgressBar:
    """``[#####.....] 1234/20000 sent, 3.2 s behind``; call ``update`` often, ``close`` once."""

    def __init__(self, total: int, *, stream: TextIO | None = None, label: str = "sent") -> None:
        self._total = max(total, 1)
        self._stream = stream or sys.stderr
        self._label = label
        self._tty = self._stream.isatty()
        self._last_draw = 0.0
        self._last_tenth = -1

    def update(self, done: int, note: str = "") -> None:
        """Show ``done`` of the total, with a short note after the count."""
        if self._tty:
            now = time.monotonic()
            if now - self._last_draw < REDRAW_EVERY_S and done < self._total:
                return
            self._last_draw = now
            self._stream.write("\r" + self._line(done, note) + "\x1b[K")
        else:
            tenth = done * 10 // self._total
            if tenth == self._last_tenth:
                return
            self._last_tenth = tenth
            self._stream.write(self._line(done, note) + "\n")
        self._stream.flush()

    def close(self) -> None:
        """End the bar's line, so that what follows starts on a fresh one."""
        if self._tty:
            self._stream.write("\n")
            self._stream.flush()

    def _line(self, done: int, note: str) -> str:
        filled = WIDTH * min(done, self._total) // self._total
        bar = "#" * filled + "." * (WIDTH - filled)
        return f"[{bar}] {done}/{self._total} {self._label}" + (f", {note}" if note else "")
