"""Composition root of the inventory service."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from flask import Flask

from services.inventory import api, handlers
from shared.config import Settings
from shared.logs import configure_logging
from shared.service import ServiceRoot

BATCH_ENV = "INVENTORY_CONSUMER_BATCH"


def consumer_options(settings: Settings, kw: dict) -> tuple[Settings, dict]:
    """The consumer's batch size, settable per deployment.

    The shared consumer handles a batch of messages in one transaction, so the stock rows
    a reservation locks stay locked until the batch commits. One consumer replica: a large
    batch (default 100) is fastest. Several replicas: their batches lock rows of the same
    products in no common order and deadlock (PostgreSQL aborts one, the message is retried);
    run them with INVENTORY_CONSUMER_BATCH=1, so each message commits alone and the one
    lock order inside a reservation keeps them deadlock-free."""
    kw.setdefault("batch", max(1, int(os.environ.get(BATCH_ENV, "100"))))
    return settings, kw


def stock_check(root: ServiceRoot, _args: argparse.Namespace | None = None) -> int:
    """`stock-check`: the stock levels that differ from their ledger (exit status 1 if any)."""
    from services.inventory.rebuild import run

    configure_logging(root.name)
    return run(root.settings().database_url, fix=False)


def stock_rebuild(root: ServiceRoot, _args: argparse.Namespace | None = None) -> int:
    """`stock-rebuild`: set the differing levels (and product totals) to their ledger sums."""
    from services.inventory.rebuild import run

    configure_logging(root.name)
    return run(root.settings().database_url, fix=True)


root = ServiceRoot(
    name="inventory",
    migrations_dir=Path(__file__).parent / "migrations",
    blueprints=api.blueprints,
    handlers=handlers.handler_table,
    consumer_options=consumer_options,
    commands={"stock-check": stock_check, "stock-rebuild": stock_rebuild},
)


def create_app(settings: Settings | None = None) -> Flask:
    return root.create_app(settings)
