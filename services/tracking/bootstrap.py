"""Composition root of the tracking service."""

from pathlib import Path

from services.tracking import api, handlers
from shared.service import ServiceRoot

root = ServiceRoot(
    name="tracking",
    migrations_dir=Path(__file__).parent / "migrations",
    blueprints=api.blueprints,
    handlers=handlers.handler_table,
)


def create_app(settings=None):
    return root.create_app(settings)
