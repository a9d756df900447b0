"""Prometheus metrics of every process (README, "Metrics"; deploy/observability/).

One call per process kind wires it in:

- an API: `instrument_app(app, service)` counts requests by route (the URL rule, never
  the raw path) and status, with a latency histogram, and serves `/metrics` on the app's
  own port (`expose=False` for the gateway: its public port never shows metrics);
- a consumer or relay (and an API run without gunicorn): `serve_process(service, kind)`
  serves the process's metrics on `CRM_METRICS_PORT` (bound to `CRM_METRICS_HOST`,
  127.0.0.1 by default) when it is set; the consumer and relay record their own figures;
- gunicorn (deploy/gunicorn.conf.py, deploy/gunicorn_hooks.py): workers write their figures
  to files in a directory of the master's own (prometheus_client's multiprocess mode: the
  directory is made before anything imports prometheus_client), the master serves them summed over the workers on
  `CRM_METRICS_PORT` (`gunicorn_when_ready`), and a dead worker's live gauges are dropped
  (`gunicorn_child_exit`). The app's own `/metrics` reads the same files, so any worker
  answers for all of them.

Every engine reports its pool (shared.db.make_engine calls `watch_pool`).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)

METRICS_PORT_ENV = "CRM_METRICS_PORT"
METRICS_HOST_ENV = "CRM_METRICS_HOST"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

log = logging.getLogger("crm.metrics")
http_log = logging.getLogger("crm.http")

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

PROCESS_INFO = Gauge("crm_process_info", "A process of the suite: its service and kind (always 1).",
                     ["service", "kind"], multiprocess_mode="liveall")

# ---- HTTP (APIs and the gateway) -------------------------------------------------------
HTTP_REQUESTS = Counter("crm_http_requests_total", "HTTP requests answered, by route (URL rule) and status.",
                        ["service", "method", "route", "status"])
HTTP_DURATION = Histogram("crm_http_request_duration_seconds",
                          "Time from receiving a request to its response (headers), by route.",
                          ["service", "method", "route"], buckets=LATENCY_BUCKETS)

# ---- consumers ---------------------------------------------------------------------------
CONSUMER_MESSAGES = Counter(
    "crm_consumer_messages_total",
    "Messages settled by a consumer, by event type and outcome (handled: applied or a redelivered "
    "no-op, acked; retried: failed, sent to a retry queue; dead_lettered: sent to the DLQ).",
    ["service", "queue", "event_type", "outcome"])
CONSUMER_HANDLE_SECONDS = Histogram(
    "crm_consumer_handle_seconds",
    "Time from a consumer receiving a message to settling it (its batch committed and acked, or "
    "sent to retry / DLQ), by event type.",
    ["service", "queue", "event_type"], buckets=LATENCY_BUCKETS)
CONSUMER_EVENT_LAG = Histogram(
    "crm_consumer_event_lag_seconds",
    "Time from an event occurring (its outbox write) to a consumer settling it, by event type.",
    ["service", "queue", "event_type"], buckets=LAG_BUCKETS)
CONSUMER_FALLBACKS = Counter("crm_consumer_batch_fallbacks_total",
                             "Batches applied again message by message because one of them failed.",
                             ["service", "queue"])
QUEUE_MESSAGES = Gauge("crm_queue_messages",
                       "Messages ready in a consumer's queue (role=queue) and its dead-letter queue (role=dlq), "
                       "as the broker reported at the last probe.",
                       ["queue", "role"], multiprocess_mode="max")
QUEUE_CONSUMERS = Gauge("crm_queue_consumers", "Consumers attached to a queue at the last probe.", ["queue"],
                        multiprocess_mode="max")

# ---- relays --------------------------------------------------------------------------------
RELAY_PUBLISHED = Counter("crm_relay_published_total", "Outbox rows published, confirmed and marked sent.",
                          ["service"])
RELAY_NACKED = Counter("crm_relay_nacked_batches_total", "Batches the broker refused in part (sent again).",
                       ["service"])
RELAY_BATCH_SECONDS = Histogram("crm_relay_batch_seconds",
                                "Time to publish one batch: claimed, published, confirmed, marked sent.",
                                ["service"], buckets=LATENCY_BUCKETS)
RELAY_PUBLISH_DELAY = Histogram("crm_relay_publish_delay_seconds",
                                "Time from an outbox write to the broker's confirm of its event.",
                                ["service"], buckets=LAG_BUCKETS)
OUTBOX_PENDING = Gauge("crm_outbox_pending_events", "Outbox rows not yet published (at the last probe).",
                       ["service"], multiprocess_mode="max")
OUTBOX_OLDEST_AGE = Gauge("crm_outbox_oldest_pending_age_seconds",
                          "Age of the oldest unpublished outbox row (0 when none), at the last probe.",
                          ["service"], multiprocess_mode="max")
OUTBOX_PROBE_ERRORS = Counter("crm_outbox_probe_errors_total", "Failed outbox backlog probes.", ["service"])

# ---- work a service's database holds (probed by its relay) ---------------------------------------
WORK_PENDING = Gauge("crm_work_pending",
                     "Units of work waiting or in progress in a service's database, by kind "
                     "(sales: orders_pending_reservation; customer: import_jobs), at the last probe.",
                     ["service", "work"], multiprocess_mode="max")
WORK_OLDEST_AGE = Gauge("crm_work_oldest_age_seconds",
                        "How long the oldest unit of that work has waited (0 when none), at the last probe.",
                        ["service", "work"], multiprocess_mode="max")


@dataclass(frozen=True)
class WorkQuery:
    """A probe of pending work: `sql` returns one row (count, age in seconds of the oldest)."""

    work: str
    sql: str


# ---- database pools (every engine) ---------------------------------------------------------
DB_POOL_IN_USE = Gauge("crm_db_pool_connections_in_use", "Connections checked out of a process's pools.",
                       ["database", "kind"], multiprocess_mode="livesum")
DB_POOL_MAX = Gauge("crm_db_pool_connections_max",
                    "The most connections a process's pools may hold (shared.db.pool_budget: size + overflow).",
                    ["database", "kind"], multiprocess_mode="livesum")


# ---- serving ---------------------------------------------------------------------------------
def registry() -> CollectorRegistry:
    """What /metrics shows: this process's registry, or in gunicorn's multiprocess mode the
    figures of every worker of the master (summed as each metric says)."""
    if os.environ.get(MULTIPROC_ENV):
        reg = CollectorRegistry()
        multiprocess.MultiProcessCollector(reg)
        return reg
    return REGISTRY


def render() -> tuple[bytes, str]:
    return generate_latest(registry()), CONTENT_TYPE_LATEST


def metrics_port() -> int | None:
    raw = os.environ.get(METRICS_PORT_ENV, "").strip()
    return int(raw) if raw else None


def serve_process(service: str, kind: str) -> int | None:
    """Mark this process (service, kind) and serve its metrics on CRM_METRICS_PORT when set.
    Returns the port (None: not served)."""
    PROCESS_INFO.labels(service, kind).set(1)
    return _serve_port()


def _serve_port() -> int | None:
    """Serve registry() on CRM_METRICS_PORT. A port that cannot be bound (taken by another
    installation) is logged and the process goes on without it: its scrape then fails and
    the `up == 0` alerts say so, rather than the process itself dying."""
    port = metrics_port()
    if port is None:
        return None
    host = os.environ.get(METRICS_HOST_ENV, "127.0.0.1")
    try:
        start_http_server(port, addr=host, registry=registry())
    except OSError as exc:
        log.error("cannot serve metrics on %s:%d: %s", host, port, exc)
        return None
    log.info("metrics on port %d", port)
    return port


# ---- gunicorn hooks (deploy/gunicorn.conf.py) ----------------------------------------------------
def gunicorn_when_ready(_server: Any) -> None:
    _serve_port()


def gunicorn_post_fork(server: Any, _worker: Any) -> None:
    from shared.logs import service_of_app

    cfg = server.cfg
    service = os.environ.get("CRM_SERVICE_NAME") or service_of_app(cfg.wsgi_app or cfg.default_proc_name or "")
    PROCESS_INFO.labels(service, "api").set(1)


def gunicorn_child_exit(_server: Any, worker: Any) -> None:
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(worker.pid)


def gunicorn_on_exit(_server: Any) -> None:
    path = os.environ.get(MULTIPROC_ENV)
    if path and os.path.basename(path).startswith("crm-metrics-"):
        shutil.rmtree(path, ignore_errors=True)


# ---- HTTP ------------------------------------------------------------------------------------
def _rule_label() -> str:
    from flask import request

    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def instrument_app(app: Any, service: str, *, expose: bool = True,
                   route_label: Callable[[], str] | None = None) -> None:
    """Count and time every request of a Flask app by route and status, log one line per
    request (logger crm.http, INFO), and (expose=True) serve /metrics on the app.
    route_label names the route (default: the URL rule, '<unmatched>' when none matched)."""
    from flask import Response, request

    label = route_label or _rule_label
    inner = app.wsgi_app

    def timed(environ: dict, start_response: Callable) -> Any:
        environ["crm.started"] = time.perf_counter()
        return inner(environ, start_response)

    app.wsgi_app = timed

    @app.after_request
    def _count(response: Any) -> Any:
        started = request.environ.get("crm.started")
        elapsed = time.perf_counter() - started if started is not None else 0.0
        method = request.method if request.method in METHODS else "OTHER"
        route = label()
        HTTP_REQUESTS.labels(service, method, route, str(response.status_code)).inc()
        HTTP_DURATION.labels(service, method, route).observe(elapsed)
        http_log.info("%s %s %d", method, route, response.status_code,
                      extra={"method": method, "route": route, "path": request.path,
                             "status": response.status_code, "duration_ms": round(elapsed * 1000, 2)})
        return response

    if expose:
        def metrics() -> Any:
            body, content_type = render()
            return Response(body, content_type=content_type)

        app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])


# ---- consumers ------------------------------------------------------------------------------
def consumer_settled(service: str, queue: str, event_type: str, outcome: str, received: float,
                     occurred_at: str | None) -> None:
    """One message settled: its outcome, receive-to-settle time and event lag."""
    CONSUMER_MESSAGES.labels(service, queue, event_type, outcome).inc()
    if received:
        CONSUMER_HANDLE_SECONDS.labels(service, queue, event_type).observe(max(0.0, time.monotonic() - received))
    lag = event_age(occurred_at)
    if lag is not None:
        CONSUMER_EVENT_LAG.labels(service, queue, event_type).observe(lag)


def event_age(occurred_at: str | None) -> float | None:
    if not occurred_at:
        return None
    try:
        moment = datetime.fromisoformat(occurred_at)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, time.time() - moment.timestamp())


# ---- pools ------------------------------------------------------------------------------------
def watch_pool(engine: Any, kind: str, most: int) -> None:
    """Report an engine's connections in use and its budget (labels: database, pool kind)."""
    import sqlalchemy as sa

    database = engine.url.database or "-"
    in_use = DB_POOL_IN_USE.labels(database, kind)
    budget = DB_POOL_MAX.labels(database, kind)
    budget.inc(most)
    disposed = []

    def checkout(*_args: Any) -> None:
        in_use.inc()

    def checkin(*_args: Any) -> None:
        in_use.dec()

    def dispose(*_args: Any) -> None:
        if not disposed:  # the budget counts once; a disposed engine may open a new pool later
            disposed.append(True)
            budget.dec(most)

    sa.event.listen(engine, "checkout", checkout)
    sa.event.listen(engine, "checkin", checkin)
    sa.event.listen(engine, "engine_disposed", dispose)
