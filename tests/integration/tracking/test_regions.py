"""Head office's views across regions (issue 18): timeline, audit and report entries carry
`region`, and each accepts a `region` filter. The scenario's customer C2 and everything on it
(order O2, its invoices and payments) happened at branch cn-south; the rest at head office."""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

from services.tracking.handlers import customer_of
from tests.integration.tracking import scenario
from tests.integration.tracking.test_reports import NOV, by

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(service_settings):
    """Tracking at head office (region hq)."""
    return service_settings("tracking", region="hq", region_links=(("cn-south", "crm-link-cn-south"),))


@pytest.fixture
def world(apply):
    s = scenario.build()
    c2, o2 = s.ids["C2"], s.ids["O2"]

    def region_of(e):
        if e.event_type.startswith("gateway."):
            return "hq"
        data = e.data or {}
        on_branch = c2 in (customer_of(None, e), data.get("customer_id")) or o2 in (e.aggregate_id, data.get("order_id"))
        return "cn-south" if on_branch else "hq"

    s.events = [dataclasses.replace(e, region=region_of(e)) for e in s.events]
    apply(s.events)
    return s


def test_timeline_and_audit_carry_region_and_filter_by_it(world, as_user):
    admin = as_user(world.users["A"])
    c2 = world.ids["C2"]
    items = admin.get("/timeline", query_string={"customer_id": c2}).get_json()["items"]
    assert items and {i["region"] for i in items} == {"cn-south"}
    assert admin.get("/timeline", query_string={"customer_id": c2, "region": "hq"}).get_json()["items"] == []
    branch = admin.get("/audit", query_string={"region": "cn-south", "per_page": 100}).get_json()
    hq = admin.get("/audit", query_string={"region": "hq", "per_page": 100}).get_json()
    everything = admin.get("/audit", query_string={"per_page": 100}).get_json()
    assert {i["region"] for i in branch["items"]} == {"cn-south"} and {i["region"] for i in hq["items"]} == {"hq"}
    assert branch["total"] + hq["total"] == everything["total"] == len(world.events)
    assert admin.get("/audit", query_string={"region": "x" * 41}).status_code == 422


def test_reports_compare_regions_and_filter_by_region(world, as_user):
    admin = as_user(world.users["A"])
    regions = by(admin.get("/reports/regions", query_string=NOV).get_json()["items"], "region")
    assert regions["hq"]["orders"] == 1 and regions["hq"]["revenue"] == "418.10"
    assert regions["hq"]["paid"] == "200.00" and regions["hq"]["outstanding"] == "218.10"
    assert regions["cn-south"]["orders"] == 1 and regions["cn-south"]["revenue"] == "113.00"
    assert regions["cn-south"]["outstanding"] == "0.00"
    # the open pipeline: the scenario's one open opportunity (OP2, stage proposal), in its region
    last = {}
    for e in world.events:
        if e.event_type.startswith("sales.opportunity."):
            last[e.aggregate_id] = e
    (op2,) = [e for e in last.values() if e.data["stage"] not in ("won", "lost")]
    assert regions[op2.region]["open_opportunities"] == 1
    assert Decimal(regions[op2.region]["pipeline"]) == Decimal(str(op2.data["amount"]))
    assert sum(r["open_opportunities"] for r in regions.values()) == 1
    rows = admin.get("/reports/sales-performance", query_string={**NOV, "region": "cn-south"}).get_json()["items"]
    assert [(r["owner_id"], r["region"], r["revenue"]) for r in rows] == [(world.users["R2"]["id"], "cn-south", "113.00")]
    products = admin.get("/reports/product-sales", query_string={**NOV, "region": "hq"}).get_json()["items"]
    assert sum(p["orders"] for p in products) == 2  # O1's two products; O2's P1 is the branch's
    # a rep sees only their own rows, whatever region they ask for
    r1 = by(as_user(world.users["R1"]).get("/reports/regions", query_string=NOV).get_json()["items"], "region")
    assert set(r1) == {"hq"}



def test_head_office_does_not_notify_about_a_branchs_events(world, engine, apply):
    """A branch notifies its own users; head office only about what happened there: the
    scenario's notifications at head office all come from its own events, and the same
    notifiable events arriving from a branch add none."""
    branch = {e.event_id for e in world.events if e.region == "cn-south"}
    with engine.connect() as conn:
        notified = set(conn.execute(sa.text("SELECT event_id FROM notifications")).scalars())
    assert notified and not notified & branch
    again = [dataclasses.replace(e, event_id=str(uuid.uuid4()), region="cn-south")
             for e in world.events if e.event_id in notified]
    apply(again)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM events WHERE region = 'cn-south'")).scalar_one() \
            == len(branch) + len(again)
        assert set(conn.execute(sa.text("SELECT event_id FROM notifications")).scalars()) == notified


def test_head_office_managers_see_every_branch_and_reps_keep_their_own(world, as_user):
    """M manages R1 only; C2 and its order are the branch's: M sees them at head office
    (timeline, audit, reports), R1 does not."""
    c2 = world.ids["C2"]
    manager, rep = as_user(world.users["M"]), as_user(world.users["R1"])
    assert {i["region"] for i in manager.get("/timeline", query_string={"customer_id": c2}).get_json()["items"]} \
        == {"cn-south"}
    assert rep.get("/timeline", query_string={"customer_id": c2}).status_code == 404
    assert manager.get("/audit", query_string={"region": "cn-south"}).get_json()["total"] > 0
    assert rep.get("/audit", query_string={"region": "cn-south"}).get_json()["total"] == 0
    assert "cn-south" in by(manager.get("/reports/regions", query_string=NOV).get_json()["items"], "region")
    assert "cn-south" not in by(rep.get("/reports/regions", query_string=NOV).get_json()["items"], "region")
    rows = manager.get("/reports/sales-performance", query_string={**NOV, "region": "cn-south"}).get_json()["items"]
    assert [r["owner_id"] for r in rows] == [world.users["R2"]["id"]]


def test_every_report_takes_a_region_and_names_each_rows_region(world, as_user):
    """C2, its order O2 and the expense on O2 are the branch's; C1 and C3 head office's."""
    admin = as_user(world.users["A"])
    c1, c2 = world.ids["C1"], world.ids["C2"]
    r1, r2 = world.users["R1"]["id"], world.users["R2"]["id"]

    def get(report, **query):
        answer = admin.get(f"/reports/{report}", query_string=query)
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    profit = by(get("profit", **NOV)["items"], "customer_id")
    assert profit[c1]["region"] == "hq" and profit[c2]["region"] == "cn-south"
    assert [r["customer_id"] for r in get("profit", **NOV, region="cn-south")["items"]] == [c2]
    assert c2 not in {r["customer_id"] for r in get("profit", **NOV, region="hq")["items"]}

    owed = get("receivables-by-owner")["items"]
    assert {(r["owner_id"], r["region"]) for r in owed} == {(r1, "hq"), (r2, "cn-south")}
    (branch,) = get("receivables-by-owner", region="cn-south")["items"]
    assert (branch["owner_id"], branch["invoiced"], branch["credit"]) == (r2, "113.00", "30.00")
    ageing = get("receivables-ageing", as_of="2026-11-30")
    assert get("receivables-ageing", as_of="2026-11-30", region="cn-south")["items"] == []  # C2 owes nothing
    assert ageing["items"] and {r["region"] for r in ageing["items"]} == {"hq"}

    submitters = get("expenses", **NOV, group="submitter", region="cn-south")["items"]
    assert [(r["submitter_id"], r["region"], r["claimed"]) for r in submitters] == [(r2, "cn-south", "20.00")]
    assert {r["region"] for r in get("expenses", **NOV, group="submitter")["items"]} == {"hq", "cn-south"}
    customers = by(get("expenses", **NOV, group="customer")["items"], "customer_id")
    assert customers[c2]["region"] == "cn-south" and customers[c1]["region"] == "hq"

    whole, hq, south = get("funnel", **NOV), get("funnel", **NOV, region="hq"), get("funnel", **NOV, region="cn-south")
    assert (south["region"], whole["region"]) == ("cn-south", None)
    for key in ("leads", "converted", "opportunities"):
        assert hq[key] + south[key] == whole[key]
    assert admin.get("/reports/funnel", query_string={"region": "x" * 41}).status_code == 422

    def november(report):
        return next(p for p in report["items"] if p["start"] == "2026-11-01")

    trend = {region: november(get("customer-trend", granularity="month", **NOV, region=region))
             for region in ("hq", "cn-south")}
    assert (trend["cn-south"]["new"], trend["cn-south"]["active"], trend["cn-south"]["lost"]) == (1, 1, 0)
    assert (trend["hq"]["new"], trend["hq"]["active"], trend["hq"]["lost"]) == (0, 1, 1)
    assert get("customer-trend", granularity="month", **NOV, region="cn-south")["region"] == "cn-south"

    # a rep asking for another region's rows gets none of them
    rep = as_user(world.users["R1"])
    assert rep.get("/reports/profit", query_string={**NOV, "region": "cn-south"}).get_json()["items"] == []
