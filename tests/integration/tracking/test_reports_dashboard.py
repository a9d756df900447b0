"""The dashboard's reports: sales by month (this year vs last), expenses per rep and per
customer, one rep's numbers (owner_id) within the caller's, and every report as CSV / XLSX."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.integration.tracking import scenario

pytestmark = pytest.mark.integration


@pytest.fixture
def world(apply):
    s = scenario.build()
    apply(s.events)
    return s


def by(items, key):
    return {i[key]: i for i in items}


def test_sales_by_month_this_year_beside_last(world, as_user):
    admin = as_user(world.users["A"])
    body = admin.get("/reports/sales-by-month", query_string={"year": "2026"}).get_json()
    months = by(body["items"], "month")
    assert len(body["items"]) == 12 and body["year"] == 2026
    assert (months["2026-11"]["orders"], months["2026-11"]["revenue"]) == (2, "531.10")  # O1 + O2
    assert (months["2026-10"]["orders"], months["2026-10"]["revenue"]) == (1, "56.50")  # O5
    assert months["2026-11"]["previous_revenue"] == "0.00"
    nxt = by(admin.get("/reports/sales-by-month", query_string={"year": "2027"}).get_json()["items"], "month")
    assert (nxt["2027-11"]["orders"], nxt["2027-11"]["revenue"], nxt["2027-11"]["previous_orders"],
            nxt["2027-11"]["previous_revenue"]) == (0, "0.00", 2, "531.10")
    r2 = by(as_user(world.users["R2"]).get("/reports/sales-by-month",
                                           query_string={"year": "2026"}).get_json()["items"], "month")
    assert (r2["2026-11"]["orders"], r2["2026-11"]["revenue"], r2["2026-10"]["orders"]) == (1, "113.00", 0)
    for bad in ("1800", "20x6", "-1"):
        r = admin.get("/reports/sales-by-month", query_string={"year": bad})
        assert r.status_code == 422 and "year" in r.get_json()["error"]["details"]


def test_expenses_per_rep_and_per_customer(world, as_user):
    u, ids = world.users, world.ids
    admin = as_user(u["A"])
    reps = by(admin.get("/reports/expenses").get_json()["items"], "submitter_id")
    r1, r2 = reps[u["R1"]["id"]], reps[u["R2"]["id"]]
    assert (r1["count"], r1["claimed"], r1["approved"], r1["paid"]) == (1, "50.00", "50.00", "0.00")  # E2 rejected
    assert (r2["count"], r2["claimed"], r2["approved"], r2["paid"]) == (1, "20.00", "20.00", "20.00")
    assert r1["submitter_name"] == "张三"
    customers = by(admin.get("/reports/expenses", query_string={"group": "customer"}).get_json()["items"],
                   "customer_id")
    assert customers[ids["C1"]]["claimed"] == "50.00" and customers[ids["C2"]]["claimed"] == "20.00"  # E3 via O2
    assert customers[ids["C1"]]["name"] == "上海一号客户"
    mine = as_user(u["R1"]).get("/reports/expenses").get_json()["items"]
    assert [i["submitter_id"] for i in mine] == [u["R1"]["id"]]
    team = as_user(u["M2"]).get("/reports/expenses", query_string={"group": "customer"}).get_json()["items"]
    assert [i["customer_id"] for i in team] == [ids["C2"]]
    assert admin.get("/reports/expenses", query_string={"group": "product"}).status_code == 422


@pytest.mark.parametrize("path", ["/reports/sales-performance", "/reports/product-sales", "/reports/sales-by-month",
                                  "/reports/funnel", "/reports/profit", "/reports/expenses",
                                  "/reports/receivables-by-owner", "/reports/customer-trend"])
def test_one_rep_within_what_the_caller_sees(world, as_user, path):
    """owner_id narrows to one rep; never widens: a rep asking for another rep's numbers and a
    manager asking for someone outside the team get nothing of theirs."""
    u = world.users
    admin, r1, m = as_user(u["A"]), as_user(u["R1"]), as_user(u["M"])

    def figures(client, owner):
        body = client.get(path, query_string={"owner_id": u[owner]["id"]}).get_json()
        return body["items"]

    def numbers(items):
        keys = ("orders", "revenue", "count", "claimed", "invoiced", "new", "active", "lost", "quantity", "total")
        return sum(float(i.get(k) or 0) for i in items for k in keys if k in i)

    assert numbers(figures(admin, "R2")) > 0
    assert numbers(figures(r1, "R2")) == 0
    assert numbers(figures(m, "R2")) == 0
    assert numbers(figures(m, "R1")) == numbers(figures(admin, "R1")) > 0
    assert admin.get(path, query_string={"owner_id": "nope"}).status_code == 422


def test_sales_performance_of_one_rep(world, as_user):
    u = world.users
    rows = as_user(u["A"]).get("/reports/sales-performance", query_string={"owner_id": u["R1"]["id"]}).get_json()
    assert [i["owner_id"] for i in rows["items"]] == [u["R1"]["id"]]


def test_reports_as_csv_and_xlsx(world, as_user):
    admin = as_user(world.users["A"])
    r = admin.get("/reports/sales-performance", query_string={"format": "csv"}, headers={"Accept-Language": "zh-CN"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["业务员", "订单数", "销售额（含税）"]
    assert rows[1][:3] in (["张三", "2", "474.60"], ["张三", "2", "474.6"])
    r = admin.get("/reports/expenses", query_string={"format": "xlsx", "group": "customer"})
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(r.get_data())).active
    values = list(sheet.values)
    assert values[0] == ("Customer", "Claims", "Claimed", "Approved", "Paid")
    assert ("上海一号客户", 1, 50, 50, 0) in values
    assert admin.get("/reports/funnel", query_string={"format": "pdf"}).status_code == 422
    for path in ("/reports/funnel", "/reports/customer-trend", "/reports/sales-by-month", "/reports/profit",
                 "/reports/product-sales", "/reports/receivables-by-owner"):
        got = admin.get(path, query_string={"format": "xlsx"})
        assert got.status_code == 200, path


def test_exported_text_is_never_a_formula(world, apply, as_user):
    from tests.integration.tracking.events import Seq, customer_event

    u = world.users
    seq = Seq()
    cid = world.ids["C1"]
    for _ in range(10):
        seq.next(cid)
    apply([customer_event("customer.customer.updated", cid, u["R1"]["id"], seq, "2026-11-25T00:00:00+00:00",
                          name="=HYPERLINK(\"http://x\")", created="2026-10-05T09:00:00+00:00")])
    body = as_user(u["A"]).get("/reports/profit", query_string={"format": "csv"}).get_data(as_text=True)
    assert "\"'=HYPERLINK" in body


def test_receivables_ageing_per_owner(world, as_user):
    """C1 owes 418.10 - 200.00 = 218.10 on FP-1 (issued 2026-11-22); C2 paid more than invoiced."""
    u = world.users
    admin = as_user(u["A"])
    body = admin.get("/reports/receivables-ageing", query_string={"as_of": "2026-11-30"}).get_json()
    assert [i["owner_id"] for i in body["items"]] == [u["R1"]["id"]]
    row = body["items"][0]
    assert (row["days_0_30"], row["days_31_60"], row["days_61_90"], row["days_over_90"], row["total"]) == (
        "218.10", "0.00", "0.00", "0.00", "218.10")
    later = admin.get("/reports/receivables-ageing", query_string={"as_of": "2027-02-01"}).get_json()["items"][0]
    assert (later["days_61_90"], later["days_0_30"]) == ("218.10", "0.00")
    assert as_user(u["R2"]).get("/reports/receivables-ageing").get_json()["items"] == []
    assert as_user(u["M"]).get("/reports/receivables-ageing").get_json()["items"][0]["total"] == "218.10"
    assert admin.get("/reports/receivables-ageing", query_string={"as_of": "soon"}).status_code == 422
    one = {"owner_id": u["R1"]["id"]}
    assert as_user(u["R2"]).get("/reports/receivables-ageing", query_string=one).get_json()["items"] == []
    assert as_user(u["M2"]).get("/reports/receivables-ageing", query_string=one).get_json()["items"] == []
    assert as_user(u["M"]).get("/reports/receivables-ageing", query_string=one).get_json()["items"][0]["total"] == "218.10"


def test_fifo_leaves_the_newest_invoices_open(world, apply, as_user):
    from tests.integration.tracking.events import envelope, payload, uid

    u, c1 = world.users, world.ids["C1"]
    newer = uid()
    apply([envelope("billing.invoice.issued", payload("billing.invoice.issued", id=newer, number="FP-9",
                                                     order_id=world.ids["O1"], customer_id=c1, amount="100.00",
                                                     issued_at="2026-12-20T09:00:00+00:00"),
                    aggregate_type="invoice", aggregate_id=newer, seq=1, at="2026-12-20T09:00:00+00:00",
                    customer_id=c1, actor_id=u["F"]["id"])])
    # invoiced 518.10, paid 200.00: open 318.10 = FP-9 100.00 (11 days) + 218.10 of FP-1 (39 days)
    row = as_user(u["A"]).get("/reports/receivables-ageing", query_string={"as_of": "2026-12-31"}).get_json()["items"][0]
    assert (row["days_0_30"], row["days_31_60"], row["total"]) == ("100.00", "218.10", "318.10")


@pytest.mark.parametrize("path, rows", [("/reports/sales-performance", 2), ("/reports/profit", 3),
                                        ("/reports/product-sales", 3), ("/reports/expenses", 2)])
def test_paged_reports_count_every_row_on_any_page(world, as_user, path, rows):
    """The count rides on the page's rows (a window), and a page past the end still knows it."""
    admin = as_user(world.users["A"])
    first = admin.get(path, query_string={"per_page": 1}).get_json()
    assert (len(first["items"]), first["total"]) == (1, rows)
    past = admin.get(path, query_string={"per_page": 1, "page": 9}).get_json()
    assert (past["items"], past["total"]) == ([], rows)


def test_a_customer_shared_with_a_rep_is_in_their_per_customer_reports(world, apply, as_user):
    from tests.integration.tracking.events import Seq, customer_event

    u, c2 = world.users, world.ids["C2"]
    r1 = as_user(u["R1"])
    assert c2 not in {i["customer_id"] for i in r1.get("/reports/profit").get_json()["items"]}
    seq = Seq()
    for _ in range(10):
        seq.next(c2)
    apply([customer_event("customer.customer.shared", c2, u["R2"]["id"], seq, "2026-11-25T00:00:00+00:00",
                          name="杭州二号客户", created="2026-11-02T09:00:00+00:00", shared_with=[u["R1"]["id"]])])
    assert c2 in {i["customer_id"] for i in r1.get("/reports/profit").get_json()["items"]}
    trend = r1.get("/reports/customer-trend", query_string={"from": "2026-11-01", "to": "2026-11-30"}).get_json()
    assert trend["items"][0]["new"] == 1  # C2, created in November, now seen by R1 (C1 was October)
    assert c2 not in {i["customer_id"] for i in as_user(u["M"]).get("/reports/profit").get_json()["items"]}
