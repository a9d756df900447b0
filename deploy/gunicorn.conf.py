"""gunicorn settings for every API process; the port comes from the command line.

Logs: the suite's format (shared.logs). Metrics: prometheus_client's multiprocess mode,
each master with a directory of its own; the master serves its workers' figures on
CRM_METRICS_PORT when set, and every app serves them at /metrics (deploy/gunicorn_hooks.py)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from deploy.gunicorn_hooks import (  # noqa: E402 - after the path; imports no prometheus_client
    child_exit,
    multiprocess_dir,
    on_exit,
    post_fork,
    when_ready,
)

multiprocess_dir()  # before any worker imports prometheus_client

# one worker per API by default (README, "Connection budget"); raise it per deployment
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 60
graceful_timeout = 10
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logger_class = "shared.logs.GunicornLogger"
# several gunicorn masters run side by side on one machine: no shared control socket
control_socket_disable = True
# SO_REUSEPORT: replicas of one API may listen on the same port (make run SALES_REPLICAS=N)
reuse_port = os.environ.get("GUNICORN_REUSE_PORT", "").lower() in ("1", "true", "yes")

__all__ = ["child_exit", "on_exit", "post_fork", "when_ready"]
