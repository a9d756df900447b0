"""Worlds for the fuzzer: each service's app on a fresh migrated database, with an admin
and a sales rep (the shared event samples' owner), the samples of every event the
service consumes fed through its real handlers, a few records made through its API, and
the ids that the callers can see harvested from the answers."""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

import pytest

from shared import events as registry
from shared.consumer import run_handlers_directly
from shared.db import make_engine
from shared.envelope import Envelope
from shared.outbox import Outbox
from shared.testing.clients import ServiceClient, new_user, seed_customer, seed_users
from tests.integration.fuzz.hostile import Pool, Request, collection_of

# the event samples' people and customer (shared/events/*.py): fed samples are theirs
REP_ID = "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01"
MANAGER_ID = "0b8a7c1e-1d2f-4e5a-8b9c-0d1e2f3a4b5c"
CUSTOMER_ID = "3d6f0a52-8b1e-4c3e-9f7a-1b2c3d4e5f60"
PRODUCT_ID = "5b1d3f9e-2c4a-4e6b-8d0f-1a2b3c4d5e6f"
ORDER_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


class FakeSMTP:
    """Takes every message (the quote mail builds its headers for real)."""

    def __init__(self, *args: Any, **kw: Any):
        pass

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def starttls(self) -> None:
        pass

    def login(self, *args: Any) -> None:
        pass

    def send_message(self, msg: Any, **kw: Any) -> None:
        msg.as_bytes()  # renders every header: a bad one raises here


@dataclass
class World:
    service: str
    app: Any
    engine: Any
    clients: dict[str, ServiceClient]
    pool: Pool = field(default_factory=Pool)
    made: dict[str, str] = field(default_factory=dict)

    def send(self, who: str, request: Request):
        kw: dict[str, Any] = {"query_string": request.query}
        if request.data is not None:
            kw["data"] = request.data
            kw["content_type"] = request.content_type
        return self.clients[who].open(request.method, request.path, **kw)

    def call(self, who: str, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        """A valid call while seeding: its ids join the pool."""
        response = self.clients[who].open(method, path, json=body)
        data = response.get_json(silent=True)
        self.pool.add_from(data, collection_of(path))
        if key and response.status_code < 300 and isinstance(data, dict) and data.get("id"):
            self.made[key] = data["id"]
        return data


def feed_samples(service: str, engine: Any) -> None:
    """Every registered event sample the service consumes, through its real handlers
    (one at a time: a sample a handler cannot use is skipped)."""
    handlers = import_module(f"services.{service}.handlers").handler_table()
    outbox = Outbox(service, "cn-east")
    for seq, spec in enumerate(registry.all_specs(), start=1):
        data = dict(spec.sample)
        env = Envelope(event_type=spec.event_type, aggregate_type=spec.event_type.split(".")[1],
                       aggregate_id=str(data.get("id") or data.get("order_id") or data.get("product_id") or uuid.uuid4()),
                       aggregate_seq=seq, data=data, producer=spec.event_type.split(".")[0], region="cn-east",
                       customer_id=data.get("customer_id") or CUSTOMER_ID)
        try:
            run_handlers_directly(engine, handlers, outbox, [env])
        except Exception:  # a sample out of order is no matter to the fuzzer
            continue


SEEDS = {
    "customer": [
        ("rep", "POST", "/customers", {"name": "模糊测试 华东机电设备有限公司", "phone": "021-5555 0101"}, "customer"),
        ("rep", "POST", "/customers/{customer}/contacts", {"name": "王五", "email": "w@example.cn"}, None),
        ("rep", "POST", "/leads", {"name": "李四", "company": "模糊 苏州精工"}, "lead"),
        ("rep", "POST", "/activities", {"customer_id": "{customer}", "kind": "visit", "summary": "拜访"}, None),
        ("rep", "POST", "/complaints", {"customer_id": "{customer}", "subject": "质量",
                                        "assignee_id": REP_ID}, None),
        ("rep", "POST", "/work-plans", {"week_start": "2030-01-07", "plan": "计划"}, None),
        ("rep", "POST", "/out-of-office", {"customer_id": "{customer}", "start_at": "2030-01-07T09:00:00+08:00",
                                           "end_at": "2030-01-07T18:00:00+08:00", "purpose": "拜访"}, None),
        ("admin", "POST", "/custom-fields", {"name": "级别", "type": "text"}, None),
    ],
    "sales": [
        ("rep", "POST", "/opportunities", {"customer_id": CUSTOMER_ID, "name": "商机", "amount": "1000.00",
                                           "stage": "proposal"}, None),
        ("rep", "POST", "/quotes", {"customer_id": CUSTOMER_ID, "valid_until": "2999-01-01",
                                    "lines": [{"product_id": PRODUCT_ID, "quantity": 1, "unit_price": "10.00"}]},
         None),
        ("rep", "POST", "/orders", {"customer_id": CUSTOMER_ID, "lines": [{"product_id": PRODUCT_ID, "quantity": 1}]},
         "order"),
        ("rep", "POST", "/contracts", {"order_id": "{order}"}, None),
    ],
    "inventory": [
        ("admin", "POST", "/warehouses", {"code": "FZ1", "name": "模糊仓"}, "warehouse"),
        ("admin", "POST", "/products", {"sku": "FZ-1", "name": "模糊泵", "unit": "台", "list_price": "10.00"},
         "product"),
        ("admin", "POST", "/stock/receipts", {"warehouse_id": "{warehouse}",
                                              "lines": [{"product_id": "{product}", "quantity": 5}]}, None),
        ("admin", "POST", "/suppliers", {"name": "模糊供应商"}, "supplier"),
        ("admin", "POST", "/purchase-orders", {"supplier_id": "{supplier}", "warehouse_id": "{warehouse}",
                                               "lines": [{"product_id": "{product}", "quantity": 1,
                                                          "unit_price": "1.00"}]}, None),
        ("admin", "POST", "/loans", {"customer_id": CUSTOMER_ID, "warehouse_id": "{warehouse}",
                                     "lines": [{"product_id": "{product}", "quantity": 1}]}, None),
        ("admin", "POST", "/requisitions", {"warehouse_id": "{warehouse}", "purpose": "维修",
                                            "lines": [{"product_id": "{product}", "quantity": 1}]}, None),
    ],
    "billing": [
        ("admin", "POST", "/exchange-rates", {"currency": "USD", "rate_to_cny": "7.1", "date": "2026-01-01"}, None),
        ("rep", "POST", "/payments", {"customer_id": CUSTOMER_ID, "amount": "10.00", "method": "cash"}, None),
        ("rep", "POST", "/expenses", {"amount": "10.00", "category": "差旅", "description": "出租车",
                                      "customer_id": CUSTOMER_ID}, None),
        ("admin", "POST", "/invoices", {"order_id": ORDER_ID, "amount": "1.00"}, None),
    ],
    "tracking": [],
}


def _fill(value: Any, made: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return made.get(value[1:-1], str(uuid.uuid4()))
    if isinstance(value, str):
        for key, ident in made.items():
            value = value.replace("{" + key + "}", ident)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, made) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, made) for v in value]
    return value


def build_world(service: str, service_settings) -> World:
    settings = service_settings(service)
    bootstrap = import_module(f"services.{service}.bootstrap")
    if service == "sales":
        from services.sales.config import SalesConfig

        app = bootstrap.create_app(settings, SalesConfig(smtp_host="127.0.0.1", smtp_port=1))
    else:
        app = bootstrap.create_app(settings)
    engine = make_engine(settings.database_url, pool_size=1)
    rep = {**new_user("sales", manager_id=MANAGER_ID), "id": REP_ID, "username": "zhangsan"}
    users = {"admin": new_user("admin"), "rep": rep, "manager": {**new_user("manager"), "id": MANAGER_ID}}
    seed_users(engine, *users.values())
    seed_customer(engine, REP_ID, customer_id=CUSTOMER_ID, name="上海华东机电设备有限公司")
    feed_samples(service, engine)
    clients = {k: ServiceClient(app, u, settings.internal_secret) for k, u in users.items()}
    world = World(service, app, engine, clients)
    world.pool.add_from([REP_ID, MANAGER_ID, users["admin"]["id"], CUSTOMER_ID, PRODUCT_ID, ORDER_ID])
    for who, method, path, body, key in SEEDS[service]:
        world.call(who, method, _fill(path, world.made), _fill(body, world.made), key)
    for rule in app.url_map.iter_rules():  # what the lists show joins the pool
        if "GET" in (rule.methods or ()) and "<" not in rule.rule:
            world.call("admin", "GET", rule.rule)
    return world


@pytest.fixture(scope="module")
def fuzz_world(request, service_settings) -> Iterator[World]:
    world = build_world(request.param, service_settings)
    mp = pytest.MonkeyPatch()
    mp.setattr(smtplib, "SMTP", FakeSMTP)
    # hostile ids never arrive: waiting the read-your-writes bound (3 s) for each only slows
    # the run (the customer service's routes took a minute); the wait has tests of its own
    mp.setenv("CRM_COPY_WAIT_S", "0")
    yield world
    mp.undo()
    world.engine.dispose()
    world.app.extensions["crm"].engine.dispose()
