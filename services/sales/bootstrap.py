"""Composition root of the sales (order) service."""

from pathlib import Path

from flask import Flask

from services.sales import api, handlers
from services.sales.config import SalesConfig
from shared.metrics import WorkQuery
from shared.openapi import register_openapi
from shared.service import ServiceContext, ServiceRoot


def _configure(app: Flask, _ctx: ServiceContext) -> None:
    app.extensions["sales_config"] = SalesConfig()
    register_openapi(app, "sales")


root = ServiceRoot(
    name="sales",
    migrations_dir=Path(__file__).parent / "migrations",
    blueprints=api.blueprints,
    handlers=handlers.handler_table,
    configure_app=_configure,
    # the saga's orders waiting for inventory's answer, and since when (metrics)
    work_queries=(WorkQuery("orders_pending_reservation",
                            "SELECT count(*), EXTRACT(EPOCH FROM now() - min(updated_at))::float8 "
                            "FROM orders WHERE status = 'pending'"),),
)


def create_app(settings=None, config: SalesConfig | None = None) -> Flask:
    app = root.create_app(settings)
    if config is not None:
        app.extensions["sales_config"] = config
    return app
