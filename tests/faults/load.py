"""A steady mixed load through the gateway, written as a careful client writes: every write
carries an Idempotency-Key, and a write answered 503 (or 502/504, or 409 "still in
progress"), or lost to a broken connection or a timeout, is sent again with the same key
until it is answered for good. Every attempt's answer is kept, so a case can tell what
the user saw during a fault and what the retries ended in."""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from shared.testing.fixtures import eventually
from shared.testing.suite import ApiClient

RETRY_STATUSES = (502, 503, 504)
GIVE_UP_S = 120.0


@dataclass
class Write:
    kind: str  # customer | activity | order | payment
    key: str
    path: str
    body: dict
    started: float
    answers: list[tuple[float, int | str, str]] = field(default_factory=list)  # (at, status/error, code)
    status: int | None = None  # the final answer
    record_id: str | None = None
    done_at: float | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status in (200, 201)

    @property
    def refused(self) -> bool:
        """Refused at least once before it went through (or did not)."""
        return len(self.answers) > 1 or not self.acknowledged


@dataclass
class World:
    """What a case writes about: its own customers (their copies already in sales and
    billing), a product with plenty of stock and one with little (some orders rejected)."""

    tag: str
    rep: ApiClient
    finance: ApiClient
    customers: list[str]
    plenty: str
    scarce: str
    warehouse: str
    setup_orders: list[str] = field(default_factory=list)


def make_world(admin: ApiClient, tag: str, *, customers: int = 6) -> World:
    rep = admin.create_user("sales")
    finance = admin.create_user("finance")
    products = []
    for name, qty in (("plenty", 100000), ("scarce", 3)):
        r = admin.post("/products", json={"sku": f"F{tag}{name[:2]}", "name": f"故障测试 {name} {tag}",
                                          "unit": "台", "list_price": "10.00"})
        assert r.status_code == 201, r.text
        products.append((r.json()["id"], qty))
    wh = admin.post("/warehouses", json={"code": f"F{tag}", "name": f"故障仓 {tag}"})
    assert wh.status_code == 201, wh.text
    r = admin.post("/stock/receipts", json={"warehouse_id": wh.json()["id"], "lines": [
        {"product_id": pid, "quantity": qty} for pid, qty in products]})
    assert r.status_code == 201, r.text
    ids = []
    for i in range(customers):
        r = rep.post("/customers", json={"name": f"F{tag}-base-{i} 华东机电"})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    world = World(tag, rep, finance, ids, products[0][0], products[1][0], wh.json()["id"])
    # the copies reach sales and billing by events: an order and a payment for each
    # customer (kept as the world's setup orders) once they have
    for c in ids:
        order = eventually(lambda c=c: _made(rep.post("/orders", json=_order_body(world, c, world.plenty))),
                           timeout=30)
        world.setup_orders.append(order["id"])
        eventually(lambda c=c: _made(finance.post("/payments", json={
            "customer_id": c, "amount": "1.00", "method": "bank_transfer", "note": f"F{tag} setup"})), timeout=30)
    return world


def _made(r: requests.Response) -> dict | None:
    return r.json() if r.status_code == 201 else None


def _order_body(world: World, customer: str, product: str) -> dict:
    return {"customer_id": customer, "lines": [{"product_id": product, "quantity": 1}]}


class Load:
    """threads x (one write every 1/rate_per_thread s) until stop()."""

    def __init__(self, base_url: str, world: World, *, threads: int = 8, rate: float = 25.0):
        self.base_url = base_url
        self.world = world
        self.threads = threads
        self.interval = threads / rate
        self.writes: list[Write] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._seq = 0
        self.started = 0.0
        self.stopped = 0.0

    # ---- what to write ------------------------------------------------------------
    def _next_write(self, rng: random.Random) -> Write:
        w = self.world
        with self._lock:
            self._seq += 1
            n = self._seq
        key = f"f-{w.tag}-{n}-{uuid.uuid4().hex[:6]}"
        roll = rng.random()
        customer = rng.choice(w.customers)
        if roll < 0.25:
            kind, path, body = "customer", "/customers", {"name": f"F{w.tag}-{n} 客户 {key}"}
        elif roll < 0.55:
            kind, path, body = "activity", "/activities", {"customer_id": customer, "kind": "call",
                                                           "summary": f"F{w.tag} 电话 {key}"}
        elif roll < 0.85:
            product = w.scarce if rng.random() < 0.15 else w.plenty
            kind, path, body = "order", "/orders", _order_body(w, customer, product)
        else:
            kind, path, body = "payment", "/payments", {"customer_id": customer, "amount": "10.00",
                                                        "method": "bank_transfer", "note": key}
        return Write(kind, key, path, body, time.monotonic())

    # ---- one write, as a client retries it -----------------------------------------
    def _send(self, client: ApiClient, write: Write) -> None:
        delay = 0.2
        while True:
            now = time.monotonic()
            try:
                r = client.post(write.path, json=write.body, headers={"Idempotency-Key": write.key}, timeout=15)
                status: int | str = r.status_code
                try:
                    code = (r.json().get("error") or {}).get("code", "") if r.status_code >= 400 else ""
                except ValueError:
                    code = "<not json>"
            except requests.RequestException as exc:
                status, code, r = type(exc).__name__, "", None
            write.answers.append((now, status, code))
            retry = (r is None or r.status_code in RETRY_STATUSES
                     or (r.status_code == 409 and code == "idempotency_in_progress"))
            if not retry or now - write.started > GIVE_UP_S:
                write.status = r.status_code if r is not None else None
                if r is not None and r.status_code in (200, 201):
                    write.record_id = r.json().get("id")
                write.done_at = time.monotonic()
                return
            time.sleep(delay)
            delay = min(2.0, delay * 1.5)

    def _worker(self, index: int) -> None:
        w = self.world
        rng = random.Random(f"{w.tag}-{index}")
        rep = ApiClient.login(self.base_url, w.rep.user["username"], "pass-word-1")
        finance = ApiClient.login(self.base_url, w.finance.user["username"], "pass-word-1")
        next_at = time.monotonic()
        while not self._stop.is_set():
            write = self._next_write(rng)
            with self._lock:
                self.writes.append(write)
            self._send(finance if write.kind == "payment" else rep, write)
            next_at += self.interval
            self._stop.wait(max(0.0, next_at - time.monotonic()))
            next_at = max(next_at, time.monotonic() - self.interval)

    def start(self) -> None:
        self.started = time.monotonic()
        for i in range(self.threads):
            t = threading.Thread(target=self._worker, args=(i,), daemon=True, name=f"load-{i}")
            t.start()
            self._workers.append(t)

    def stop(self) -> None:
        """Stop starting writes; wait for the ones under way to be answered for good."""
        self._stop.set()
        for t in self._workers:
            t.join(timeout=GIVE_UP_S + 30)
        self.stopped = time.monotonic()

    # ---- what happened -----------------------------------------------------------------
    def acknowledged(self, kind: str | None = None) -> list[Write]:
        return [w for w in self.writes if w.acknowledged and (kind is None or w.kind == kind)]

    def during(self, start: float, end: float) -> list[Write]:
        return [w for w in self.writes if w.started <= end and (w.done_at or end) >= start]

    def server_errors(self) -> list[tuple[str, int | str, str]]:
        """Answers a client must never see: a 500, or an error without the contract's body."""
        return [(w.key, status, code) for w in self.writes for _at, status, code in w.answers
                if status == 500 or code == "<not json>"]

    def unavailable_without_code(self) -> list[tuple[str, int | str, str]]:
        """503s whose error body does not say service_unavailable."""
        return [(w.key, status, code) for w in self.writes for _at, status, code in w.answers
                if status == 503 and code != "service_unavailable"]


def now_iso() -> str:
    return datetime.now(UTC).isoformat()
