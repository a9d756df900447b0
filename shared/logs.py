"""Logging for every process of the suite: one JSON object per line (README, "Logs").

`configure_logging(service, kind)` is the one set-up every process calls (APIs through
gunicorn's logger class below, consumers, relays, the gateway, tools). Each line carries
`time` (ISO 8601, UTC), `level`, `logger`, `message`, `service`, `kind` (api, consumer,
relay, tool, ...), `pid`, and what is known of the work in hand:

- in a request: `request_id` (the X-Request-ID the gateway passes on), `correlation_id`
  (the same id: the events the request causes carry it), `user_id`;
- in a consumer: `event_id`, `event_type`, `correlation_id`, `user_id` (the event's actor).

`LOG_FORMAT=text` gives one readable line instead (`make run` uses it unless told
otherwise); `LOG_LEVEL` sets the level (INFO by default).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import sys
from collections.abc import Iterator
from typing import Any

from pythonjsonlogger.json import JsonFormatter

CONTEXT_FIELDS = ("request_id", "correlation_id", "user_id", "event_id", "event_type")
_context: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("crm_log_context", default=None)
_process = {"service": "-", "kind": "-"}
_HANDLER_FLAG = "_crm_handler"


@contextlib.contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Fields added to every log line written inside the block (in this thread or task),
    e.g. the event a consumer is applying. None values are left out."""
    current = dict(_context.get() or {})
    current.update({k: str(v) for k, v in fields.items() if v not in (None, "")})
    token = _context.set(current)
    try:
        yield
    finally:
        _context.reset(token)


def _request_fields() -> dict[str, str]:
    """The request id and caller of the Flask request being handled, if any."""
    try:
        from flask import g, has_request_context
    except ImportError:  # pragma: no cover - every process has Flask installed
        return {}
    if not has_request_context():
        return {}
    out: dict[str, str] = {}
    request_id = g.get("request_id")
    if request_id:
        out["request_id"] = out["correlation_id"] = str(request_id)
    principal = g.get("principal")
    user_id = getattr(principal, "user_id", None)
    if user_id:
        out["user_id"] = str(user_id)
    return out


class ContextFilter(logging.Filter):
    """Adds service, kind and the work in hand (request or event) to every record. Fields
    given explicitly (`extra=`) win."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = _process["service"]
        record.kind = _process["kind"]
        fields = {**_request_fields(), **(_context.get() or {})}
        for key, value in fields.items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class TextFormatter(logging.Formatter):
    """One readable line: time, service/kind, logger, level, message, then the ids."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(service)s/%(kind)s %(name)s %(levelname)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = " ".join(f"{k}={getattr(record, k)}" for k in CONTEXT_FIELDS if getattr(record, k, None))
        return f"{line} [{ids}]" if ids else line


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "{levelname}{name}{message}{service}{kind}{process}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger", "process": "pid"},
        timestamp="time",
        json_ensure_ascii=False,
    )


def log_format() -> str:
    """'json' (the default) or 'text' (LOG_FORMAT=text)."""
    return "text" if os.environ.get("LOG_FORMAT", "").strip().lower() == "text" else "json"


def formatter() -> logging.Formatter:
    return TextFormatter() if log_format() == "text" else json_formatter()


def configure_logging(service: str, kind: str = "tool", *, stream: Any = None) -> None:
    """Log every record of this process to stderr in the chosen format, tagged with the
    service and process kind. Called again it replaces its own handler (never doubles it)."""
    _process["service"], _process["kind"] = service, kind
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_FLAG, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter())
    handler.addFilter(ContextFilter())
    setattr(handler, _HANDLER_FLAG, True)
    root.addHandler(handler)
    root.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    logging.getLogger("pika").setLevel(logging.WARNING)


def service_of_app(app_uri: str) -> str:
    """'services.sales.bootstrap:create_app()' -> 'sales'; 'gateway.bootstrap:...' -> 'gateway'."""
    module = app_uri.split(":", 1)[0]
    parts = module.split(".")
    if parts[0] == "services" and len(parts) > 1:
        return parts[1]
    return parts[0] or "app"


try:  # gunicorn is there wherever an API runs; tools may import this module without it
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = object  # type: ignore[assignment,misc]


class GunicornLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    """gunicorn's logger with the suite's format: gunicorn's own lines (workers booting,
    timeouts) and the application's share one format (deploy/gunicorn.conf.py sets
    `logger_class`). The service comes from the app's module path or CRM_SERVICE_NAME."""

    def setup(self, cfg) -> None:  # noqa: ANN001 - gunicorn's Config
        super().setup(cfg)
        service = os.environ.get("CRM_SERVICE_NAME") or service_of_app(cfg.wsgi_app or cfg.default_proc_name or "")
        configure_logging(service, "api")
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter())
                handler.addFilter(ContextFilter())
