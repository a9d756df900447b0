"""A small sales organisation built through the public API only (used by the managers'
browser test, the screenshots and bench/dashboard.py --demo):

    manager 李经理 over reps 张三 and 王五; manager 陈经理 over rep 赵六; finance 钱会计
    products, one warehouse with stock; customers per rep; confirmed orders per rep (some
    invoiced and paid), one discounted order per rep held for approval, expense claims
    (submitted, approved), visit logs, leads and opportunities.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from shared.testing.suite import ApiClient

PASSWORD = "pass-word-1"


@dataclass
class World:
    clients: dict[str, ApiClient] = field(default_factory=dict)
    users: dict[str, dict] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)
    customers: dict[str, list[str]] = field(default_factory=dict)
    held_orders: dict[str, dict] = field(default_factory=dict)
    products: list[dict] = field(default_factory=list)


def _ok(r, *codes: int) -> Any:
    assert r.status_code in (codes or (200, 201)), (r.status_code, r.text[:300])
    return r.json() if r.content else None


def _user(admin: ApiClient, world: World, key: str, role: str, full_name: str, manager: str | None = None) -> None:
    username = f"{key}_{uuid.uuid4().hex[:6]}"
    client = admin.create_user(role, manager_id=world.users[manager]["id"] if manager else None,
                               username=username, full_name=full_name, password=PASSWORD)
    world.clients[key] = client
    world.users[key] = client.get("/auth/me").json()
    world.usernames[key] = username


def wait_status(client: ApiClient, order_id: str, statuses: tuple[str, ...], timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        order = client.get(f"/orders/{order_id}").json()
        if order.get("status") in statuses or time.monotonic() > deadline:
            return order
        time.sleep(0.2)


def build(admin: ApiClient, *, orders_per_rep: int = 3) -> World:
    w = World()
    _user(admin, w, "mgr", "manager", "李经理")
    _user(admin, w, "mgr2", "manager", "陈经理")
    _user(admin, w, "zhang", "sales", "张三", "mgr")
    _user(admin, w, "wang", "sales", "王五", "mgr")
    _user(admin, w, "zhao", "sales", "赵六", "mgr2")
    _user(admin, w, "fin", "finance", "钱会计")
    tag = uuid.uuid4().hex[:4]
    wh = _ok(admin.post("/warehouses", json={"code": f"WH{tag}", "name": f"上海总仓{tag}"}), 201)
    for i, (name, price, cost) in enumerate((("离心泵", "1200.00", "700.00"), ("不锈钢阀门", "380.00", "200.00"),
                                              ("变频器", "2600.00", "1500.00"), ("压力表", "95.00", "40.00"))):
        body = {"sku": f"P{tag}{i}", "name": f"{name}{tag}", "unit": "台", "list_price": price, "cost_price": cost}
        r = admin.post("/products", json=body)
        if r.status_code == 422:  # no cost_price field on this version
            body.pop("cost_price")
            r = admin.post("/products", json=body)
        w.products.append(_ok(r, 201))
    _ok(admin.post("/stock/receipts", json={"warehouse_id": wh["id"],
                                            "lines": [{"product_id": p["id"], "quantity": 5000} for p in w.products]}), 201)
    cities = ("上海", "苏州", "杭州", "南京")
    for rep in ("zhang", "wang", "zhao"):
        client = w.clients[rep]
        w.customers[rep] = []
        for j in range(3):
            c = _ok(client.post("/customers", json={"name": f"{cities[j]}{w.users[rep]['full_name']}客户{tag}{j}",
                                                    "industry": "制造业", "custom_fields": {}}), 201)
            w.customers[rep].append(c["id"])
        # a lead and two opportunities
        client.post("/leads", json={"name": f"线索{tag}{rep}", "company": f"{cities[3]}公司{tag}"})
        for stage, amount in (("proposal", "50000.00"), ("negotiation", "120000.00")):
            client.post("/opportunities", json={"customer_id": w.customers[rep][0], "name": f"{stage}商机{tag}",
                                                "amount": amount, "stage": stage})
    time.sleep(1.0)  # copies of the new customers and products reach sales
    fin = w.clients["fin"]
    for n_rep, rep in enumerate(("zhang", "wang", "zhao")):
        client = w.clients[rep]
        for k in range(orders_per_rep):
            product = w.products[(k + n_rep) % len(w.products)]
            order = _ok(client.post("/orders", json={
                "customer_id": w.customers[rep][k % 3], "warehouse_id": wh["id"],
                "lines": [{"product_id": product["id"], "quantity": 2 + k + n_rep, "tax_rate": 13}]}), 201)
            order = wait_status(client, order["id"], ("confirmed", "rejected"))
            if k < 2 and order["status"] == "confirmed":  # invoiced; the first one paid in part
                inv = fin.post("/invoices", json={"order_id": order["id"], "amount": order["gross"]})
                if inv.status_code == 201 and k == 0:
                    half = f"{int(float(order['gross']) * 50) / 100:.2f}"
                    fin.post("/payments", json={"customer_id": order["customer_id"], "order_id": order["id"],
                                                "amount": half, "method": "bank_transfer"})
        held = _ok(client.post("/orders", json={
            "customer_id": w.customers[rep][1], "warehouse_id": wh["id"],
            "lines": [{"product_id": w.products[0]["id"], "quantity": 3, "tax_rate": 13, "discount_pct": "35"}]}), 201)
        w.held_orders[rep] = held
        for amount, category, desc in (("860.00", "差旅费", "苏州拜访客户高铁及住宿"), ("320.00", "招待费", "客户午餐")):
            e = _ok(client.post("/expenses", json={"amount": amount, "category": category, "description": desc,
                                                   "customer_id": w.customers[rep][0]}), 201)
            if category == "招待费":
                boss = w.clients["mgr" if rep != "zhao" else "mgr2"]
                boss.post(f"/expenses/{e['id']}/approve", json={})
        client.post("/activities", json={"customer_id": w.customers[rep][0], "kind": "visit",
                                         "summary": f"拜访{cities[0]}客户，介绍新款离心泵，客户关注交期和售后。"})
        client.post("/activities", json={"customer_id": w.customers[rep][1], "kind": "call",
                                         "summary": "电话跟进报价，客户希望再降 5%。"})
    return w
