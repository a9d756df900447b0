"""Composition root of the billing service."""

from pathlib import Path

from flask import Flask

from services.billing import api, handlers
from shared.config import Settings
from shared.service import ServiceRoot

root = ServiceRoot(
    name="billing",
    migrations_dir=Path(__file__).parent / "migrations",
    blueprints=api.blueprints,
    handlers=handlers.handler_table,
)


def create_app(settings: Settings | None = None) -> Flask:
    return root.create_app(settings)
