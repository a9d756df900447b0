"""Report figures against the hand-computed scenario (scenario.py), and their visibility."""

from __future__ import annotations

import pytest

from tests.integration.tracking import scenario

pytestmark = pytest.mark.integration

NOV = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def world(apply):
    s = scenario.build()
    apply(s.events)
    return s


def by(items, key):
    return {i[key]: i for i in items}


def test_sales_performance_counts_confirmed_shipped_closed_only(world, as_user):
    u = world.users
    admin = as_user(u["A"])
    body = admin.get("/reports/sales-performance", query_string=NOV).get_json()
    rows = by(body["items"], "owner_id")
    assert set(rows) == {u["R1"]["id"], u["R2"]["id"]}
    r1, r2 = rows[u["R1"]["id"]], rows[u["R2"]["id"]]
    assert (r1["orders"], r1["revenue"], r1["paid"]) == (1, "418.10", "200.00")
    assert r1["owner_name"] == "张三"
    assert (r2["orders"], r2["revenue"], r2["paid"]) == (1, "113.00", "113.00")
    all_time = by(admin.get("/reports/sales-performance").get_json()["items"], "owner_id")
    assert (all_time[u["R1"]["id"]]["orders"], all_time[u["R1"]["id"]]["revenue"]) == (2, "474.60")


def test_product_sales(world, as_user):
    ids = world.ids
    body = as_user(world.users["A"]).get("/reports/product-sales", query_string=NOV).get_json()
    rows = by(body["items"], "product_id")
    assert set(rows) == {ids["P1"], ids["P2"]}
    assert (rows[ids["P1"]]["quantity"], rows[ids["P1"]]["revenue"]) == (4, "418.10")
    assert (rows[ids["P2"]]["quantity"], rows[ids["P2"]]["revenue"]) == (2, "113.00")
    assert body["items"][0]["product_id"] == ids["P1"]  # highest revenue first


def test_profit_per_customer(world, as_user):
    ids = world.ids
    rows = by(as_user(world.users["A"]).get("/reports/profit").get_json()["items"], "customer_id")
    assert (rows[ids["C1"]]["revenue"], rows[ids["C1"]]["cost_of_goods"], rows[ids["C1"]]["expenses"],
            rows[ids["C1"]]["profit"]) == ("370.00", "240.00", "50.00", "80.00")
    assert (rows[ids["C2"]]["cost_of_goods"], rows[ids["C2"]]["expenses"], rows[ids["C2"]]["profit"]) == (
        "60.00", "20.00", "20.00")
    assert (rows[ids["C3"]]["profit"], rows[ids["C3"]]["lines_without_cost"]) == ("50.00", 1)


def test_receivables_by_owner(world, as_user):
    u = world.users
    rows = by(as_user(u["F"]).get("/reports/receivables-by-owner").get_json()["items"], "owner_id")
    r1, r2 = rows[u["R1"]["id"]], rows[u["R2"]["id"]]
    assert (r1["invoiced"], r1["paid"], r1["outstanding"], r1["credit"]) == ("418.10", "200.00", "218.10", "0.00")
    assert (r2["invoiced"], r2["paid"], r2["outstanding"], r2["credit"]) == ("113.00", "143.00", "0.00", "30.00")


def test_customer_trend_by_month_and_quarter(world, as_user):
    admin = as_user(world.users["A"])
    body = admin.get("/reports/customer-trend",
                     query_string={"granularity": "month", "from": "2026-09-01", "to": "2026-11-30"}).get_json()
    got = {i["period"]: (i["new"], i["active"], i["lost"]) for i in body["items"]}
    assert got == {"2026-09": (1, 0, 0), "2026-10": (1, 1, 0), "2026-11": (1, 2, 1)}
    body = admin.get("/reports/customer-trend",
                     query_string={"granularity": "quarter", "from": "2026-07-01", "to": "2026-12-31"}).get_json()
    got = {i["period"]: (i["new"], i["active"], i["lost"]) for i in body["items"]}
    assert got == {"2026-Q3": (1, 0, 0), "2026-Q4": (2, 3, 1)}
    year = admin.get("/reports/customer-trend", query_string={"granularity": "year"}).get_json()
    assert len(year["items"]) == 5


def test_funnel(world, as_user):
    body = as_user(world.users["A"]).get("/reports/funnel").get_json()
    stages = {i["stage"]: i["count"] for i in body["items"]}
    assert stages == {"leads": 2, "converted": 1, "prospecting": 0, "qualification": 0, "proposal": 1,
                      "negotiation": 0, "won": 1, "lost": 1}
    assert (body["leads"], body["converted"], body["won"], body["opportunities"]) == (2, 1, 1, 3)
    mine = as_user(world.users["R1"]).get("/reports/funnel").get_json()
    assert (mine["leads"], mine["converted"], mine["won"], mine["opportunities"]) == (1, 1, 1, 2)


@pytest.mark.parametrize("role, owners", [("R1", {"R1"}), ("M", {"R1"}), ("M2", {"R2"}), ("R2", {"R2"}),
                                          ("F", {"R1", "R2"}), ("A", {"R1", "R2"}), ("W", set())])
def test_reports_show_only_visible_rows(world, as_user, role, owners):
    u = world.users
    client = as_user(u[role])
    expected = {u[o]["id"] for o in owners}
    for path in ("/reports/sales-performance", "/reports/receivables-by-owner"):
        got = {i["owner_id"] for i in client.get(path).get_json()["items"]}
        assert got == expected, path
    customers = {i["customer_id"] for i in client.get("/reports/profit").get_json()["items"]}
    expected_customers = set()
    if "R1" in owners:
        expected_customers |= {world.ids["C1"], world.ids["C3"]}
    if "R2" in owners:
        expected_customers.add(world.ids["C2"])
    assert customers == expected_customers
    products = client.get("/reports/product-sales").get_json()["items"]
    assert bool(products) == bool(owners)


def test_report_periods_are_validated(world, as_user):
    admin = as_user(world.users["A"])
    for query in ({"from": "yesterday"}, {"to": "2026-13-01"}, {"from": "2026-11-30", "to": "2026-11-01"}):
        r = admin.get("/reports/sales-performance", query_string=query)
        assert r.status_code == 422, query
        assert r.get_json()["error"]["code"] == "validation_failed"
    r = admin.get("/reports/customer-trend", query_string={"granularity": "week"})
    assert r.status_code == 422 and "granularity" in r.get_json()["error"]["details"]
    r = admin.get("/reports/customer-trend", query_string={"granularity": "month", "from": "1900-01-01"})
    assert r.status_code == 422
    ok = admin.get("/reports/sales-performance",
                   query_string={"from": "2026-11-01T00:00:00+00:00", "to": "2026-12-01T00:00:00+00:00"})
    assert ok.status_code == 200 and len(ok.get_json()["items"]) == 2
