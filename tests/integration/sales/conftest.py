"""Fixtures for the sales service's integration tests: one migrated database per test
module, the app, users of every role and a customer for each rep, and helpers that feed
inventory's and billing's events through the real handlers (no broker needed)."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from services.sales.bootstrap import create_app
from services.sales.config import SalesConfig
from services.sales.handlers import handler_table
from shared.consumer import run_handlers_directly
from shared.db import make_engine
from shared.envelope import Envelope
from shared.outbox import Outbox
from shared.testing.clients import ServiceClient, new_user, seed_customer, seed_users

_seq = itertools.count(1)


@dataclass
class World:
    app: Any
    engine: Any
    settings: Any
    users: dict[str, dict]
    clients: dict[str, ServiceClient]
    customers: dict[str, str]

    def client(self, who: str) -> ServiceClient:
        return self.clients[who]

    def feed(self, event_type: str, data: dict[str, Any], *, aggregate_id: str | None = None,
             aggregate_type: str = "x", seq: int | None = None, event_id: str | None = None) -> Envelope:
        """Deliver an event of another service through sales's handler table."""
        env = Envelope(event_type=event_type, aggregate_type=aggregate_type,
                       aggregate_id=aggregate_id or data.get("id") or data.get("order_id") or str(uuid.uuid4()),
                       aggregate_seq=seq if seq is not None else next(_seq), data=data,
                       producer=event_type.split(".")[0], region="cn-east",
                       **({"event_id": event_id} if event_id else {}))
        run_handlers_directly(self.engine, handler_table(), Outbox("sales", "cn-east"), [env])
        return env

    def product(self, name: str = "离心泵", list_price: str = "100.00", *, active: bool = True,
                product_id: str | None = None) -> str:
        pid = product_id or str(uuid.uuid4())
        self.feed("inventory.product.created", {
            "id": pid, "sku": f"SKU-{pid[:8]}", "name": name, "spec": None, "unit": "台",
            "list_price": list_price, "cost_price": None, "safety_stock": 0, "active": active,
        }, aggregate_type="product")
        return pid

    def stock(self, product_id: str, available: int, warehouse_id: str | None = None) -> None:
        self.feed("inventory.stock.changed", {
            "product_id": product_id, "warehouse_id": warehouse_id or WAREHOUSE, "on_hand": available,
            "reserved": 0, "available": available, "total_available": available,
        }, aggregate_id=product_id, aggregate_type="stock")

    def events(self, aggregate_id: str | None = None) -> list[dict]:
        """Events sales wrote to its outbox (oldest first), optionally for one aggregate."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT payload FROM outbox ORDER BY id")).scalars().all()
        return [r for r in rows if aggregate_id is None or r["aggregate_id"] == aggregate_id]

    def event_types(self, aggregate_id: str) -> list[str]:
        return [e["event_type"] for e in self.events(aggregate_id)]


WAREHOUSE = "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b"


@pytest.fixture(scope="module")
def world(service_settings) -> World:
    settings = service_settings("sales")
    app = create_app(settings, SalesConfig(smtp_host="127.0.0.1", smtp_port=1))
    engine = make_engine(settings.database_url)
    admin = new_user("admin")
    manager = new_user("manager")
    top = new_user("manager")
    boss = new_user("manager")
    manager["manager_id"] = top["id"]
    rep1 = new_user("sales", manager_id=manager["id"])
    rep2 = new_user("sales")
    users = {"admin": admin, "manager": manager, "top": top, "boss": boss, "rep1": rep1, "rep2": rep2,
             "warehouse": new_user("warehouse"), "finance": new_user("finance")}
    seed_users(engine, *users.values())
    customers = {
        "rep1": seed_customer(engine, rep1["id"], name="上海华东机电设备有限公司"),
        "rep2": seed_customer(engine, rep2["id"], name="苏州精工科技有限公司"),
    }
    clients = {k: ServiceClient(app, u, settings.internal_secret) for k, u in users.items()}
    yield World(app, engine, settings, users, clients, customers)
    engine.dispose()

