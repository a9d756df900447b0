"""Helpers for read-your-writes tests: run a request in a thread and time it, and apply an
event a little later from another thread (as the consumer would, mid-request)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class Timed:
    """fn() in a thread; .result and .elapsed (seconds) after .join()."""

    def __init__(self, fn: Callable[[], Any]):
        self.result: Any = None
        self.error: BaseException | None = None
        self.elapsed = 0.0
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        started = time.monotonic()
        try:
            self.result = fn()
        except BaseException as exc:  # re-raised in join()
            self.error = exc
        self.elapsed = time.monotonic() - started

    def join(self, timeout: float = 30) -> Any:
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError("the call did not return")
        if self.error is not None:
            raise self.error
        return self.result


def later(delay: float, fn: Callable[[], Any]) -> Timed:
    """fn() after delay seconds, in a thread."""

    def run() -> Any:
        time.sleep(delay)
        return fn()

    return Timed(run)
