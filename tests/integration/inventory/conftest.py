"""Fixtures for the inventory service's integration tests: one migrated database for the
module run, the app, clients per role, and helpers that build stock and order events."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from services.inventory.bootstrap import root
from services.inventory.handlers import handler_table
from shared.consumer import run_handlers_directly
from shared.db import make_engine
from shared.envelope import Envelope
from shared.events.sales import _ORDER
from shared.testing.clients import ServiceClient, new_user, seed_customer, seed_users


@pytest.fixture(scope="session")
def inv_settings(service_settings):
    return service_settings("inventory")


@pytest.fixture(scope="session")
def engine(inv_settings):
    e = make_engine(inv_settings.database_url, pool_size=25)
    yield e
    e.dispose()


@pytest.fixture(scope="session")
def ctx(inv_settings):
    c = root.context(inv_settings)
    yield c
    c.engine.dispose()


@pytest.fixture(scope="session")
def app(inv_settings):
    return root.create_app(inv_settings)


class Clients:
    def __init__(self, app, engine, secret: str):
        self.app, self.engine, self.secret = app, engine, secret

    def as_new(self, role: str, manager_id: str | None = None) -> ServiceClient:
        user = new_user(role, manager_id=manager_id)
        seed_users(self.engine, user)
        return ServiceClient(self.app, user, self.secret)


@pytest.fixture(scope="session")
def clients(app, engine, inv_settings) -> Clients:
    return Clients(app, engine, inv_settings.internal_secret)


@pytest.fixture(scope="session")
def admin(clients):
    return clients.as_new("admin")


@pytest.fixture(scope="session")
def keeper(clients):
    """A warehouse-role user."""
    return clients.as_new("warehouse")


class World:
    """Makes products, warehouses and stock through the API, and order events."""

    def __init__(self, client: ServiceClient, engine, ctx):
        self.client, self.engine, self.ctx = client, engine, ctx

    def product(self, safety_stock: int = 0, **kw: Any) -> str:
        tag = uuid.uuid4().hex[:10]
        body = {"sku": f"SKU-{tag}", "name": f"产品 {tag}", "unit": "台", "list_price": "100.00",
                "safety_stock": safety_stock, **kw}
        r = self.client.post("/products", json=body)
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    def warehouse(self, region: str = "cn-east") -> str:
        r = self.client.post("/warehouses", json={"code": f"WH-{uuid.uuid4().hex[:8]}", "name": "仓库",
                                                  "region": region})
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    def receive(self, warehouse_id: str, stock: dict[str, int]) -> None:
        r = self.client.post("/stock/receipts", json={
            "warehouse_id": warehouse_id, "lines": [{"product_id": p, "quantity": q} for p, q in stock.items()]})
        assert r.status_code == 201, r.get_json()

    def level(self, product_id: str, warehouse_id: str) -> tuple[int, int, int]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT on_hand, reserved FROM stock WHERE product_id = :p AND "
                                       "warehouse_id = :w"), {"p": product_id, "w": warehouse_id}).first()
        if row is None:
            return (0, 0, 0)
        return (row.on_hand, row.reserved, row.on_hand - row.reserved)

    def reservation(self, order_id: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(sa.text("SELECT * FROM reservations WHERE order_id = :o"), {"o": order_id}).first()

    def events(self, event_type: str, **match: Any) -> list[dict[str, Any]]:
        """Outbox events of a type whose data has the given fields."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT payload FROM outbox WHERE payload->>'event_type' = :t ORDER BY id"), {"t": event_type}).all()
        return [r.payload for r in rows if all(r.payload["data"].get(k) == v for k, v in match.items())]

    def run(self, *envelopes: Envelope) -> None:
        run_handlers_directly(self.engine, handler_table(), self.ctx.outbox, list(envelopes))


def order_event(event_type: str, lines: dict[str, int], *, warehouse_id: str | None = None,
                order_id: str | None = None, customer_id: str | None = None, **changes: Any) -> Envelope:
    """A sales.order.* envelope shaped like the sales service's snapshot."""
    oid = order_id or str(uuid.uuid4())
    cid = customer_id or str(uuid.uuid4())
    line_tpl = _ORDER["lines"][0]
    data = {**_ORDER, "id": oid, "customer_id": cid, "warehouse_id": warehouse_id,
            "lines": [{**line_tpl, "product_id": p, "quantity": q} for p, q in lines.items()], **changes}
    return Envelope(event_type=event_type, aggregate_type="order", aggregate_id=oid, data=data, producer="sales",
                    region="cn-east", customer_id=cid, actor_id=str(uuid.uuid4()),
                    correlation_id=str(uuid.uuid4()))


@pytest.fixture
def world(admin, engine, ctx) -> World:
    return World(admin, engine, ctx)


@pytest.fixture
def customer_of(engine):
    def make(owner_id: str, **kw: Any) -> str:
        return seed_customer(engine, owner_id, **kw)

    return make
