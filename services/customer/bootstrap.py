"""Composition root of the customer service."""

import argparse
import threading
from pathlib import Path

from flask import Flask

from services.customer import api, handlers
from services.customer.importer import ImportWorker
from shared.config import Settings
from shared.logs import configure_logging
from shared.metrics import WorkQuery, serve_process
from shared.service import ServiceContext, ServiceRoot, run_until_signalled
from shared.storage import document_store_from_env


def _worker_alone(root: ServiceRoot, _args: argparse.Namespace) -> int:
    """`worker`: the import worker on its own (to scale imports separately)."""
    configure_logging("customer", "worker")
    serve_process("customer", "worker")  # on CRM_METRICS_PORT when set
    return run_until_signalled(import_worker())


def _consumer_with_imports(root: ServiceRoot, _args: argparse.Namespace) -> int:
    """`consumer`: the event consumer, with the import worker in a thread beside it (so the
    standard Procfile needs nothing more)."""
    threading.Thread(target=import_worker().run, name="import-worker", daemon=True).start()
    return root.run_standard("consumer")


def _configure(app: Flask, _ctx: ServiceContext) -> None:
    """The document store (shared.storage: the folder CRM_DOCUMENT_DIR)."""
    app.extensions["document_store"] = document_store_from_env()


root = ServiceRoot(
    name="customer",
    migrations_dir=Path(__file__).parent / "migrations",
    blueprints=api.blueprints,
    handlers=handlers.handler_table,
    configure_app=_configure,
    # imports queued or running, and the oldest one's wait (metrics)
    work_queries=(WorkQuery("import_jobs",
                            "SELECT count(*), EXTRACT(EPOCH FROM now() - min(created_at))::float8 "
                            "FROM import_jobs WHERE status IN ('queued', 'running')"),),
    commands={"worker": _worker_alone, "consumer": _consumer_with_imports},
)


def create_app(settings: Settings | None = None) -> Flask:
    return root.create_app(settings)


def import_worker(settings: Settings | None = None, **kw: object) -> ImportWorker:
    ctx = root.context(settings, kind="consumer")
    return ImportWorker(ctx.engine, ctx.outbox, **kw)  # type: ignore[arg-type]
