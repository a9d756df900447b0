"""Composition root of the gateway: settings, context, app factory, first admin,
migrations and the outbox relay (the gateway consumes no events)."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from gateway import user_store
from gateway.app import create_gateway_app
from gateway.config import GatewayConfig
from gateway.context import build_context
from shared.config import Settings
from shared.consumer import HandlerTable
from shared.db import make_engine
from shared.outbox import Outbox
from shared.service import ServiceRoot

log = logging.getLogger("crm.gateway")

root = ServiceRoot(
    name="gateway",
    migrations_dir=Path(__file__).parent / "migrations",
    blueprints=list,
    handlers=HandlerTable,
)


def ensure_first_admin(settings: Settings, config: GatewayConfig | None = None) -> bool:
    """Create the first admin when the users table is empty. True when created."""
    config = config or GatewayConfig()
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        with engine.begin() as conn:
            created = user_store.ensure_first_admin(conn, Outbox("gateway", settings.region),
                                                    config.admin_username, config.admin_password,
                                                    settings.region)
    finally:
        engine.dispose()
    if created:
        log.info("created the first admin %r", config.admin_username)
    return created is not None


def migrate(settings: Settings | None = None, config: GatewayConfig | None = None) -> None:
    settings = settings or root.settings()
    root.migrate(settings)
    ensure_first_admin(settings, config)


def create_app(settings: Settings | None = None, config: GatewayConfig | None = None) -> Flask:
    """The gateway's WSGI app: `gunicorn 'gateway.bootstrap:create_app()'`."""
    settings = settings or root.settings()
    config = config or GatewayConfig()
    ensure_first_admin(settings, config)
    return create_gateway_app(build_context(settings, config, pool_size=config.pool_size // 2 or 5))
