"""The loop every background worker runs (the customer service's imports and bulk changes,
inventory's product imports):
claim and work through one job at a time, wait `poll` seconds when there was none, and keep
going after an error (the job is taken over again once it is stale)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable


def work_until_stopped(stop: threading.Event, run_once: Callable[[], bool], poll: float,
                       log: logging.Logger, what: str) -> None:
    while not stop.is_set():
        try:
            worked = run_once()
        except Exception:  # keep the loop alive; the job is taken over once stale
            log.exception("%s iteration failed", what)
            worked = False
        if not worked:
            stop.wait(poll)
