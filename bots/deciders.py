"""Threads that run the responder's blocking transaction off the event loop.

``loop.run_in_executor`` costs about 30 µs of Python per call here; on the hot path that is a
fifth of a request. A worker that takes jobs from a ``SimpleQueue`` and hands results back
with ``call_soon_threadsafe`` does the same for a fraction of it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from contextlib import suppress
from queue import SimpleQueue
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[[Any], Any], Any] | None


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Deciders(Generic[T, R]):
    """``count`` threads applying ``function`` to what ``run`` is given, one job at a time."""

    def __init__(self, function: Callable[[T], R], count: int, name: str) -> None:
        self._function = function
        self._jobs: SimpleQueue[_Job] = SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
            for i in range(count)
        ]

    def start(self) -> None:
        """Start the threads (from the app's lifespan, so that a built app holds none)."""
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            loop, future, function, argument = job
            result, error = None, None
            try:
                result = function(argument)
            except BaseException as caught:  # handed to the awaiting request, not lost
                error = caught
            # RuntimeError: the loop closed while the job ran, so nobody awaits it any more.
            with suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, future, result, error)

    async def run(self, argument: T) -> R:
        """``function(argument)`` on a worker thread."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._jobs.put((loop, future, self._function, argument))
        return await future

    def shutdown(self) -> None:
        """Finish the queued jobs, then stop every thread."""
        started = [thread for thread in self._threads if thread.is_alive()]
        for _ in started:
            self._jobs.put(None)
        for thread in started:
            thread.join()
