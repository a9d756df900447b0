"""Composition root of the inventory service."""

from __future__ import annotations

import argparse
import os
import threading
from pathlib import Path
from typing import Any

from flask import Flask

from services.inventory import api, handlers
from services.inventory.import_worker import ProductImportWorker
from shared.config import Settings
from shared.logs import configure_logging
from shared.metrics import WorkQuery, serve_process
from shared.service import ServiceRoot, run_until_signalled
from shared.storage import document_store_from_env

BATCH_ENV = "INVENTORY_CONSUMER_BATCH"


def consumer_options(settings: Settings, kw: dict) -> tuple[Settings, dict]:
    """The consumer's batch size, settable per deployment.

    The shared consumer handles a batch of messages in one transaction, so the stock rows
    a reservation locks stay locked until the batch commits; the batch takes them all up
    front, in the service's one lock order (handlers.lock_batch), so replicas never
    deadlock. A larger batch (default 100) costs fewer commits but holds more products'
    rows at once: replicas whose batches share a product wait for each other
    (bench/inventory_reservations.py measures both)."""
    kw.setdefault("batch", max(1, int(os.environ.get(BATCH_ENV, "100"))))
    return settings, kw


def stock_check(root: ServiceRoot, _args: argparse.Namespace | None = None) -> int:
    """`stock-check`: the stock levels that differ from their ledger (exit status 1 if any)."""
    from services.inventory.rebuild import run

    configure_logging(root.name)
    return run(root.settings().database_url, fix=False)


def stock_rebuild(root: ServiceRoot, _args: argparse.Namespace | None = None) -> int:
    """`stock-rebuild`: set the differing levels (and product totals) to their ledger sums."""
    from services.inventory.rebuild import run

    configure_logging(root.name)
    return run(root.settings().database_url, fix=True)


def _consumer_with_imports(root: ServiceRoot, _args: argparse.Namespace) -> int:
    """`consumer`: the event consumer, with the product import worker in a thread beside it
    (so the standard Procfile needs nothing more)."""
    ctx = root.context(None, kind="consumer")
    threading.Thread(target=ProductImportWorker(ctx.engine, ctx.outbox).run, name="product-import-worker",
                     daemon=True).start()
    return root.run_standard("consumer")


def _worker_alone(root: ServiceRoot, _args: argparse.Namespace) -> int:
    """`worker`: the product import worker on its own (to scale imports separately)."""
    configure_logging("inventory", "worker")
    serve_process("inventory", "worker")  # on CRM_METRICS_PORT when set
    ctx = root.context(None, kind="consumer")
    return run_until_signalled(ProductImportWorker(ctx.engine, ctx.outbox))


def _configure(app: Flask, _ctx: Any) -> None:
    """The picture store (shared.storage: the folder CRM_DOCUMENT_DIR, as the customer
    service's documents): product pictures."""
    app.extensions["document_store"] = document_store_from_env()


root = ServiceRoot(
    name="inventory",
    configure_app=_configure,
    migrations_dir=Path(__file__).parent / "migrations",
    blueprints=api.blueprints,
    handlers=handlers.handler_table,
    consumer_options=consumer_options,
    # product imports queued or running, and the oldest one's wait (metrics)
    work_queries=(WorkQuery("product_imports",
                            "SELECT count(*), EXTRACT(EPOCH FROM now() - min(created_at))::float8 "
                            "FROM product_imports WHERE status IN ('queued', 'running', 'undo_queued', 'undoing')"),),
    commands={"stock-check": stock_check, "stock-rebuild": stock_rebuild, "consumer": _consumer_with_imports,
              "worker": _worker_alone},
)


def create_app(settings: Settings | None = None) -> Flask:
    return root.create_app(settings)
