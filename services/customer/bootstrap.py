"""Composition root of the customer service."""

from pathlib import Path

from flask import Flask

from services.customer import api, handlers
from services.customer.importer import ImportWorker
from shared.config import Settings
from shared.metrics import WorkQuery
from shared.service import ServiceRoot

root = ServiceRoot(
    name="customer",
    migrations_dir=Path(__file__).parent / "migrations",
    blueprints=api.blueprints,
    handlers=handlers.handler_table,
    # imports queued or running, and the oldest one's wait (metrics)
    work_queries=(WorkQuery("import_jobs",
                            "SELECT count(*), EXTRACT(EPOCH FROM now() - min(created_at))::float8 "
                            "FROM import_jobs WHERE status IN ('queued', 'running')"),),
)


def create_app(settings: Settings | None = None) -> Flask:
    return root.create_app(settings)


def import_worker(settings: Settings | None = None, **kw: object) -> ImportWorker:
    ctx = root.context(settings, kind="consumer")
    return ImportWorker(ctx.engine, ctx.outbox, **kw)  # type: ignore[arg-type]
