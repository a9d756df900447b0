"""The read-your-writes scenario through the gateway (issue 12.1), shared by the e2e test
and bench/read_your_writes.py: create a customer and, in the very next calls, a quote, an
order, an opportunity for it (sales), an invoice for that order and a payment for the
customer (billing), each depending on a copy that arrives by events."""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from shared.testing.suite import ApiClient

STEPS = ("customer", "quote", "order", "opportunity", "invoice", "payment")
DEPENDENT = STEPS[1:]


@dataclass
class Actors:
    rep: ApiClient
    finance: ApiClient
    product_id: str


@dataclass
class Results:
    rounds: int = 0
    failures: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})

    def add(self, step: str, seconds: float) -> None:
        self.latencies[step].append(seconds)

    def figures(self, step: str) -> dict[str, float]:
        values = sorted(self.latencies[step])
        if not values:
            return {"n": 0, "p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
        return {"n": len(values), "p50_ms": 1000 * statistics.median(values),
                "p99_ms": 1000 * values[min(len(values) - 1, int(0.99 * len(values)))],
                "max_ms": 1000 * values[-1]}


def prepare(admin: ApiClient, *, stock: int = 1_000_000) -> Actors:
    """A rep, a finance user and a product with plenty of stock (so no order is rejected)."""
    rep = admin.create_user("sales")
    finance = admin.create_user("finance")
    tag = uuid.uuid4().hex[:8]
    r = admin.post("/products", json={"sku": f"RYW-{tag}", "name": f"读写一致产品{tag}", "unit": "台",
                                      "list_price": "100.00"})
    assert r.status_code == 201, r.text
    product_id = r.json()["id"]
    r = admin.post("/warehouses", json={"code": f"RYW-{tag}", "name": "读写一致仓"})
    assert r.status_code == 201, r.text
    r = admin.post("/stock/receipts", json={"warehouse_id": r.json()["id"],
                                            "lines": [{"product_id": product_id, "quantity": stock}]})
    assert r.status_code == 201, r.text
    return Actors(rep, finance, product_id)


def _timed(results: Results, step: str, call) -> dict | None:
    started = time.perf_counter()
    r = call()
    results.add(step, time.perf_counter() - started)
    if r.status_code != 201:
        results.failures.append(f"{step}: {r.status_code} {r.text[:300]}")
        return None
    return r.json()


def one_round(actors: Actors, results: Results, customer_id: str | None = None,
              invoice_order_id: str | None = None) -> None:
    """One round; with customer_id (and invoice_order_id), the same dependent calls for a
    customer (and an order) created long before: the baseline."""
    rep, finance = actors.rep, actors.finance
    if customer_id is None:
        customer = _timed(results, "customer", lambda: rep.post(
            "/customers", json={"name": f"读写一致客户{uuid.uuid4().hex[:12]}"}))
        if customer is None:
            return
        customer_id = customer["id"]
    lines = [{"product_id": actors.product_id, "quantity": 1}]
    valid_until = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    _timed(results, "quote", lambda: rep.post("/quotes", json={
        "customer_id": customer_id, "valid_until": valid_until,
        "lines": [{**lines[0], "unit_price": "100.00", "tax_rate": 13}]}))
    order = _timed(results, "order", lambda: rep.post("/orders", json={"customer_id": customer_id, "lines": lines}))
    _timed(results, "opportunity", lambda: rep.post("/opportunities", json={
        "customer_id": customer_id, "name": "读写一致商机", "amount": "1000.00", "stage": "prospecting"}))
    invoice_order_id = invoice_order_id or (order or {}).get("id")
    if invoice_order_id is not None:
        _timed(results, "invoice", lambda: finance.post("/invoices", json={"order_id": invoice_order_id,
                                                                           "amount": "1.00"}))
    _timed(results, "payment", lambda: finance.post("/payments", json={
        "customer_id": customer_id, "amount": "1.00", "method": "bank_transfer"}))
    results.rounds += 1


def run(actors: Actors, rounds: int) -> Results:
    results = Results()
    for _ in range(rounds):
        one_round(actors, results)
    return results


def baseline(actors: Actors, rounds: int) -> Results:
    """The same dependent calls for a customer and an order created long before (every
    copy is there): the cost of the calls themselves."""
    customer = actors.rep.post("/customers", json={"name": f"基准客户{uuid.uuid4().hex[:12]}"}).json()
    big = actors.rep.post("/orders", json={"customer_id": customer["id"], "lines": [
        {"product_id": actors.product_id, "quantity": max(1, rounds // 100 + 1)}]}).json()
    one_round(actors, Results(), customer["id"], big["id"])  # its copies have surely arrived after this
    results = Results()
    for _ in range(rounds):
        one_round(actors, results, customer["id"], big["id"])
    return results
