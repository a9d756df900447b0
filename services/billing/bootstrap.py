"""Composition root of the billing service."""

from pathlib import Path

from flask import Flask

from services.billing import api, handlers
from shared.config import Settings
from shared.openapi import register_openapi
from shared.service import ServiceContext, ServiceRoot


def configure_app(app: Flask, _ctx: ServiceContext) -> None:
    register_openapi(app, "billing")


root = ServiceRoot(
    name="billing",
    migrations_dir=Path(__file__).parent / "migrations",
    blueprints=api.blueprints,
    handlers=handlers.handler_table,
    configure_app=configure_app,
)


def create_app(settings: Settings | None = None) -> Flask:
    return root.create_app(settings)
