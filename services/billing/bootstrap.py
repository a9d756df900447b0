"""Composition root of the billing service."""

from pathlib import Path

from flask import Flask

from services.billing import api, handlers
from services.billing.config import BillingConfig
from shared.config import Settings
from shared.openapi import register_openapi
from shared.service import ServiceContext, ServiceRoot


def configure_app(app: Flask, _ctx: ServiceContext) -> None:
    app.extensions["billing_config"] = BillingConfig()
    register_openapi(app, "billing")


root = ServiceRoot(
    name="billing",
    migrations_dir=Path(__file__).parent / "migrations",
    blueprints=api.blueprints,
    handlers=handlers.handler_table,
    configure_app=configure_app,
)


def create_app(settings: Settings | None = None, config: BillingConfig | None = None) -> Flask:
    app = root.create_app(settings)
    if config is not None:
        app.extensions["billing_config"] = config
    return app
