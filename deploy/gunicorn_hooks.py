"""gunicorn server hooks shared by deploy/gunicorn.conf.py and `python -m gateway api`:
the suite's log format (shared.logs.GunicornLogger) and Prometheus metrics in
multiprocess mode (shared.metrics).

prometheus_client decides when it is first imported whether figures live in memory or in
files per process, so the master calls `multiprocess_dir()` before anything imports it;
this module imports shared.metrics only inside the hooks."""

from __future__ import annotations

import os
import tempfile
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_DIR_ENV = "CRM_METRICS_DIR"  # where masters make their directories (default: the temp dir)


def multiprocess_dir() -> str:
    """A new, empty directory of this master's own for its workers' figures, exported as
    PROMETHEUS_MULTIPROC_DIR (the workers inherit it). Several masters on one machine never
    share one, and a restart never reads an old one."""
    base = os.environ.get(METRICS_DIR_ENV) or None
    if base:
        os.makedirs(base, exist_ok=True)
    path = tempfile.mkdtemp(prefix="crm-metrics-", dir=base)
    os.environ[MULTIPROC_ENV] = path
    return path


def when_ready(server: Any) -> None:
    from shared.metrics import gunicorn_when_ready

    gunicorn_when_ready(server)


def post_fork(server: Any, worker: Any) -> None:
    from shared.metrics import gunicorn_post_fork

    gunicorn_post_fork(server, worker)


def child_exit(server: Any, worker: Any) -> None:
    from shared.metrics import gunicorn_child_exit

    gunicorn_child_exit(server, worker)


def on_exit(server: Any) -> None:
    from shared.metrics import gunicorn_on_exit

    gunicorn_on_exit(server)


def gunicorn_hooks() -> dict[str, Any]:
    """The settings a gunicorn application sets (logger class and server hooks)."""
    return {"logger_class": "shared.logs.GunicornLogger", "when_ready": when_ready, "post_fork": post_fork,
            "child_exit": child_exit, "on_exit": on_exit}
