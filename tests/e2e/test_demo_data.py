"""`make demo` (deploy/demo.py) with a small company against the e2e suite: everything it says
it made is there through the API, and a second run adds nothing."""

from __future__ import annotations

import io
import uuid

import pytest

from deploy import demo
from shared.testing.fixtures import eventually
from shared.testing.suite import ApiClient

pytestmark = pytest.mark.e2e
CUSTOMERS = 40


def _total(client: ApiClient, path: str, **params) -> int:
    r = client.get(path, params={**params, "per_page": 1})
    assert r.status_code == 200, r.text
    return r.json()["total"]


def test_demo_fills_a_small_company_and_a_second_run_adds_nothing(suite, admin):
    prefix = f"d{uuid.uuid4().hex[:5]}."
    log = io.StringIO()
    tally = demo.run(suite.url, customers=CUSTOMERS, prefix=prefix, password=demo.DEFAULT_PASSWORD, workers=4,
                     admin_user="admin", admin_password=suite.admin_password, out=log)
    made = tally.made
    assert not tally.failed, (dict(tally.failed), tally.examples, log.getvalue())
    assert made["users"] == len(demo.PEOPLE) and made["customers"] == CUSTOMERS, log.getvalue()

    boss = ApiClient.login(suite.url, f"{prefix}zhangjianguo", demo.DEFAULT_PASSWORD)  # above every rep
    assert _total(boss, "/customers") == CUSTOMERS + made["lead conversions"]
    assert _total(boss, "/contacts") >= CUSTOMERS
    for stage in demo.STAGES:
        assert _total(boss, "/opportunities", stage=stage) >= 1, stage
    assert _total(boss, "/leads") == made["leads"]
    assert _total(boss, "/orders") == made["orders"] + made["orders (from quotes)"] > 0
    assert _total(boss, "/quotes") == made["quotes"]
    assert _total(boss, "/tasks") >= made["tasks"] > 0
    assert _total(boss, "/complaints") == made["complaints"] > 0
    clerk = ApiClient.login(suite.url, f"{prefix}xuyan", demo.DEFAULT_PASSWORD)
    rep_ids = {u["id"] for u in admin.get("/users", params={"per_page": 200}).json()["items"]
               if u["username"].startswith(prefix)}
    assert made["invoices"] > 0 and made["payments"] > 0 and made["shipments"] > 0

    def settled():  # shipments, invoices and payments reach the orders by events
        orders = [o for o in boss.get("/orders", params={"per_page": 200}).json()["items"] if o["owner_id"] in rep_ids]
        ok = (sum(1 for o in orders if o["invoiced_amount"] != "0.00") == made["invoices"]
              and sum(1 for o in orders if o["payment_status"] != "unpaid") == made["payments"]
              and sum(1 for o in orders if o["status"] in ("partially_shipped", "shipped")) == made["shipments"])
        return orders if ok else None
    orders = eventually(settled, timeout=60)
    assert len(orders) == _total(boss, "/orders")
    invoiced = [o for o in orders if o["invoiced_amount"] != "0.00"]
    assert sum(_total(clerk, "/invoices", order_id=o["id"]) for o in invoiced) == made["invoices"]
    assert _total(boss, "/expenses") == made["expenses"] > 0

    again = demo.run(suite.url, customers=CUSTOMERS, prefix=prefix, password=demo.DEFAULT_PASSWORD, workers=4,
                     admin_user="admin", admin_password=suite.admin_password, out=io.StringIO())
    assert not again.failed and again.made["customers"] == 0 and again.made["users (found)"] == len(demo.PEOPLE)
    assert again.made["orders"] == again.made["leads"] == 0
    assert _total(boss, "/customers") == CUSTOMERS + made["lead conversions"]
    assert _total(boss, "/orders") == len(orders)
