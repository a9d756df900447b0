"""Composition root of the inventory service."""

from pathlib import Path

from flask import Flask

from services.inventory import api, handlers
from shared.service import ServiceRoot

root = ServiceRoot(
    name="inventory",
    migrations_dir=Path(__file__).parent / "migrations",
    blueprints=api.blueprints,
    handlers=handlers.handler_table,
)


def create_app(settings=None) -> Flask:
    return root.create_app(settings)
