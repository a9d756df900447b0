"""gunicorn settings for every API process; the port comes from the command line."""

import os

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
# several gunicorn masters run side by side on one machine: no shared control socket
control_socket_disable = True
