"""The order saga across the real sales and inventory services: both migrated on this
run's vhost, each with its consumer and relay in threads, on an exchange and queues of
their own (so no other test's events reach them)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from services.inventory.bootstrap import create_app as inventory_app
from services.inventory.bootstrap import root as inventory_root
from services.sales.bootstrap import create_app as sales_app
from services.sales.bootstrap import root as sales_root
from shared.db import make_engine
from shared.testing.clients import ServiceClient, new_user, seed_customer, seed_users
from shared.testing.fixtures import Worker, eventually
from shared.topology import declare_all


@dataclass
class Saga:
    sales: ServiceClient          # the rep, on the sales app
    sales_admin: ServiceClient
    inventory: ServiceClient      # admin on the inventory app
    customer_id: str
    warehouse_id: str
    sales_engine: Any
    inventory_engine: Any

    def product(self, name: str, price: str, stock: int) -> str:
        """A product created in inventory with stock received; waits for sales's copy."""
        r = self.inventory.post("/products", json={"sku": f"S-{uuid.uuid4().hex[:8]}", "name": name,
                                                   "unit": "台", "list_price": price})
        assert r.status_code == 201, r.json
        pid = r.json["id"]
        if stock:
            r = self.inventory.post("/stock/receipts", json={"warehouse_id": self.warehouse_id,
                                                             "lines": [{"product_id": pid, "quantity": stock}]})
            assert r.status_code == 201, r.json
        eventually(lambda: self.available(pid) == stock, timeout=30)
        return pid

    def available(self, pid: str) -> int | None:
        with self.sales_engine.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT (SELECT count(*) FROM products WHERE id = %s), "
                "(SELECT coalesce(sum(available), 0) FROM stock_levels WHERE product_id = %s)", (pid, pid)).one()
        return int(row[1]) if row[0] else None

    def order_status(self, order_id: str) -> str:
        return self.sales.get(f"/orders/{order_id}").json["status"]

    def stock(self, pid: str) -> dict:
        items = self.inventory.get("/stock", query_string={"product_id": pid}).json["items"]
        assert len(items) == 1
        return items[0]


@pytest.fixture(scope="module")
def saga(service_settings) -> Iterator[Saga]:
    yield from running_saga(service_settings)


def running_saga(service_settings, *, sales_consumers: int = 1, inventory_consumers: int = 1,
                 workers_out: dict | None = None) -> Iterator[Saga]:
    """Sales and inventory with their relays and the given number of competing consumers
    each (threads on one queue per service); workers_out gets the consumers by service."""
    suffix = uuid.uuid4().hex[:8]
    shared = {"exchange": f"crm.events.saga.{suffix}", "dead_letter_exchange": f"crm.dlx.saga.{suffix}"}
    s_settings = service_settings("sales", **shared)
    i_settings = service_settings("inventory", **shared)
    s_engine, i_engine = make_engine(s_settings.database_url), make_engine(i_settings.database_url)
    admin, rep = new_user("admin"), new_user("sales")
    customer_id = str(uuid.uuid4())
    for engine in (s_engine, i_engine):
        seed_users(engine, admin, rep)
        seed_customer(engine, rep["id"], customer_id=customer_id, name="上海华东机电设备有限公司")
    workers = contextlib.ExitStack()
    counts = {"sales": sales_consumers, "inventory": inventory_consumers}
    for root, settings in ((sales_root, s_settings), (inventory_root, i_settings)):
        queue = f"{settings.service}.events.{suffix}"
        # queues exist before anything is published (as deploy.prepare does), so no event
        # of the first test is dropped as unroutable while a consumer thread is starting
        declare_all(settings, {queue: root.handlers().patterns})
        for _ in range(counts[settings.service]):
            consumer = workers.enter_context(Worker(root.consumer(settings, queue=queue)))
            if workers_out is not None:
                workers_out.setdefault(settings.service, []).append(consumer)
        workers.enter_context(Worker(root.relay(settings)))
    sales = sales_app(s_settings)
    inventory = ServiceClient(inventory_app(i_settings), admin, i_settings.internal_secret)
    wh = inventory.post("/warehouses", json={"code": f"WH-{suffix}", "name": "上海一号仓"})
    assert wh.status_code == 201, wh.json
    yield Saga(ServiceClient(sales, rep, s_settings.internal_secret),
               ServiceClient(sales, admin, s_settings.internal_secret), inventory, customer_id, wh.json["id"],
               s_engine, i_engine)
    workers.close()
    s_engine.dispose()
    i_engine.dispose()
