"""Composition root of the gateway: settings, context, app factory, first admin,
migrations and the outbox relay (the gateway consumes no events)."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from flask import Flask, request
from sqlalchemy.exc import OperationalError

from gateway import user_store
from gateway.app import create_gateway_app
from gateway.auth import API_PREFIX
from gateway.config import ROUTES, GatewayConfig
from gateway.context import build_context
from gateway.passwords import password_problems
from shared.config import Settings
from shared.consumer import HandlerTable
from shared.db import make_engine
from shared.metrics import instrument_app
from shared.outbox import Outbox
from shared.secrets import InsecureConfiguration, check_secret, new_secret
from shared.service import ServiceRoot

log = logging.getLogger("crm.gateway")

root = ServiceRoot(
    name="gateway",
    migrations_dir=Path(__file__).parent / "migrations",
    blueprints=list,
    handlers=HandlerTable,
)


def first_admin_password(config: GatewayConfig) -> tuple[str, bool]:
    """(password, generated): CRM_ADMIN_PASSWORD when set (it must pass the password rules,
    whatever the mode), else a random one that must be changed at the first login."""
    if config.admin_password:
        problems = password_problems(config.admin_password)
        if problems:
            raise InsecureConfiguration(f"CRM_ADMIN_PASSWORD {'; '.join(problems)}")
        return config.admin_password, False
    return new_secret()[:20], True


def _announce_generated(username: str, password: str) -> None:
    """Print a generated first-admin password once (it is stored only as a hash)."""
    banner = (f"\n{'=' * 72}\n  First administrator created: {username} / {password}\n"
              f"  This password is shown once; it must be changed at the first login.\n{'=' * 72}\n")
    print(banner, file=sys.stderr, flush=True)


def ensure_first_admin(settings: Settings, config: GatewayConfig | None = None) -> bool:
    """Create the first admin when the users table is empty. True when created."""
    config = config or GatewayConfig()
    password, generated = first_admin_password(config)
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        with engine.begin() as conn:
            created = user_store.ensure_first_admin(conn, Outbox("gateway", settings.region),
                                                    config.admin_username, password, settings.region,
                                                    must_change_password=generated)
    finally:
        engine.dispose()
    if created:
        log.info("created the first admin %r", config.admin_username)
        if generated:
            _announce_generated(config.admin_username, password)
    return created is not None


def migrate(settings: Settings | None = None, config: GatewayConfig | None = None) -> None:
    settings = settings or root.settings()
    root.migrate(settings)
    ensure_first_admin(settings, config)


def ensure_first_admin_patiently(settings: Settings, config: GatewayConfig, wait_s: float = 20) -> bool:
    """ensure_first_admin, retried while the database refuses connections (start-up
    order, a full connection table). False when it still could not be done."""
    deadline = time.monotonic() + wait_s
    delay = 0.5
    while True:
        try:
            ensure_first_admin(settings, config)
            return True
        except OperationalError as exc:
            if time.monotonic() + delay > deadline:
                log.error("could not check for the first admin yet: %s", exc.orig)
                return False
            log.warning("database not reachable at start-up, retrying: %s", exc.orig)
            time.sleep(delay)
            delay = min(delay * 2, 5)


def route_label() -> str:
    """The route of a gateway request for metrics: its URL rule, or for a forwarded call the
    owning service's collection ('/api/v1/customers/*'), never the raw path."""
    rule = request.url_rule
    if rule is None:
        return "<unmatched>"
    if rule.endpoint == "proxy":
        segment = str((request.view_args or {}).get("path", "")).split("/", 1)[0]
        return f"{API_PREFIX}/{segment}/*" if segment in ROUTES else f"{API_PREFIX}/<unrouted>"
    return rule.rule


def create_app(settings: Settings | None = None, config: GatewayConfig | None = None) -> Flask:
    """The gateway's WSGI app: `gunicorn 'gateway.bootstrap:create_app()'`. A database that
    is still unreachable after a short wait does not stop the start: /readyz reports it and
    the first admin is made at the first login instead."""
    settings = settings or root.settings()
    config = config or GatewayConfig()  # refuses missing or public JWT keys (shared.secrets)
    check_secret("CRM_INTERNAL_SECRET", settings.internal_secret)
    admin_checked = ensure_first_admin_patiently(settings, config)
    app = create_gateway_app(build_context(settings, config))
    # request counts and latency by route; no /metrics on this public port (the master
    # serves them on CRM_METRICS_PORT), and nothing under /api routes to a service's /metrics
    instrument_app(app, "gateway", expose=False, route_label=route_label)
    if not admin_checked:
        app.extensions["gateway_first_admin"] = lambda: ensure_first_admin(settings, config)
    return app
