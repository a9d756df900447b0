"""Composition root of the tracking service."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from flask import Flask

from services.tracking import api, handlers
from shared.config import Settings
from shared.logs import configure_logging
from shared.metrics import WorkQuery
from shared.service import ServiceRoot


def consumer_options(settings: Settings, kw: dict) -> tuple[Settings, dict]:
    """Larger batches (TRACKING_BATCH, default 200), and the next batch in flight while one
    is written (prefetch 4 batches, still bounded)."""
    batch = int(kw.setdefault("batch", int(os.environ.get("TRACKING_BATCH", "200"))))
    return settings.with_(prefetch=max(settings.prefetch, 4 * batch)), kw


def rebuild(root: ServiceRoot, _args: argparse.Namespace | None = None) -> int:
    """`rebuild`: the read models again from the stored events."""
    from services.tracking.rebuild import rebuild as rebuild_models
    from shared.db import make_engine

    configure_logging(root.name)
    engine = make_engine(root.settings().database_url)
    try:
        print(f"rebuilt read models from {rebuild_models(engine)} events")
    finally:
        engine.dispose()
    return 0


def webhooks(root: ServiceRoot, _args: argparse.Namespace | None = None) -> int:
    """`webhooks`: the webhook delivery worker (its own process; webhooks/worker.py)."""
    from services.tracking.webhooks.worker import DeliveryWorker
    from shared.metrics import serve_process
    from shared.service import run_until_signalled

    configure_logging(root.name, "webhooks")
    serve_process(root.name, "webhooks")  # on CRM_METRICS_PORT when set
    ctx = root.context(None, kind="consumer")
    return run_until_signalled(DeliveryWorker(ctx.engine))


root = ServiceRoot(
    name="tracking",
    migrations_dir=Path(__file__).parent / "migrations",
    blueprints=api.blueprints,
    handlers=handlers.handler_table,
    consumer_options=consumer_options,
    # webhook deliveries waiting (due now), and the oldest one's wait (metrics)
    work_queries=(WorkQuery("webhook_deliveries",
                            "SELECT count(*), EXTRACT(EPOCH FROM now() - min(next_attempt_at))::float8 "
                            "FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()"),),
    commands={"rebuild": rebuild, "webhooks": webhooks},
)


def create_app(settings: Settings | None = None) -> Flask:
    return root.create_app(settings)
