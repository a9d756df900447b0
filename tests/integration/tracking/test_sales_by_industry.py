"""Sales by the customers' industry (issue 16.4): the scenario's November orders grouped by
their customer's industry as the customer events last named it, within what the caller may
see; the export; the migration's fill from the stored events."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.integration.tracking import scenario
from tests.integration.tracking.events import Seq, customer_event

pytestmark = pytest.mark.integration

NOV = {"from": "2026-11-01", "to": "2026-11-30"}
MIGRATION = Path(__file__).parents[3] / "services/tracking/migrations/versions/c3d9e1f7a2b4_rm_customers_industry.py"


@pytest.fixture
def world(apply):
    s = scenario.build()
    apply(s.events)
    return s


def _set_industry(world, apply, key: str, owner: str, industry: str | None) -> None:
    seq = Seq()
    for _ in range(20):  # after the scenario's own events for the customer
        seq.next(world.ids[key])
    created = {"C1": "2026-10-05", "C2": "2026-11-02", "C3": "2026-09-10"}[key]
    apply([customer_event("customer.customer.updated", world.ids[key], world.users[owner]["id"], seq,
                          "2026-11-26T00:00:00+00:00", name=f"客户{key}", created=f"{created}T09:00:00+00:00",
                          industry=industry)])


def rows(client, **query):
    body = client.get("/reports/sales-by-industry", query_string={**NOV, **query}).get_json()
    return {i["industry"]: (i["orders"], i["customers"], i["revenue"], i["paid"], i["outstanding"])
            for i in body["items"]}, body


def test_orders_grouped_by_the_customers_industry_within_what_the_caller_sees(world, apply, as_user):
    u = world.users
    admin, r1, r2 = as_user(u["A"]), as_user(u["R1"]), as_user(u["R2"])
    # November counts O1 (C1, R1, 418.10, paid 200.00) and O2 (C2, R2, 113.00, paid); every
    # customer of the scenario was created in the sample's industry
    got, body = rows(admin)
    assert got == {"制造业": (2, 2, "531.10", "313.00", "218.10")}
    assert (body["total"], body["page"]) == (1, 1)

    _set_industry(world, apply, "C2", "R2", "批发零售")
    _set_industry(world, apply, "C1", "R1", "  ")  # blank: not filled in
    got, _ = rows(admin)
    assert got == {"批发零售": (1, 1, "113.00", "113.00", "0.00"), None: (1, 1, "418.10", "200.00", "218.10")}
    items = admin.get("/reports/sales-by-industry", query_string=NOV).get_json()["items"]
    assert [i["industry"] for i in items] == [None, "批发零售"]  # biggest revenue first

    # a rep counts only their own orders; owner_id narrows a manager's or admin's view
    assert rows(r2)[0] == {"批发零售": (1, 1, "113.00", "113.00", "0.00")}
    assert rows(r1)[0] == {None: (1, 1, "418.10", "200.00", "218.10")}
    assert rows(admin, owner_id=u["R2"]["id"])[0] == {"批发零售": (1, 1, "113.00", "113.00", "0.00")}
    assert rows(admin, **{"from": "2026-12-01", "to": "2026-12-31"})[0] == {}

    csv = admin.get("/reports/sales-by-industry", query_string={**NOV, "format": "csv"},
                    headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert csv.lstrip("\ufeff").splitlines()[0].startswith("\"行业\",\"客户数\",\"订单数\"")
    assert "批发零售" in csv
    assert admin.get("/reports/sales-by-industry", query_string={"from": "bad"}).status_code == 422


def test_the_migration_fills_industries_from_the_stored_customer_events(world, apply, engine):
    _set_industry(world, apply, "C2", "R2", "批发零售")
    spec = importlib.util.spec_from_file_location("industry_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ids = [world.ids[k] for k in ("C1", "C2", "C3")]
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE rm_customers SET industry = NULL WHERE customer_id = ANY(:ids)"), {"ids": ids})
        conn.execute(sa.text(module.BACKFILL))
        got = dict(conn.execute(sa.text("SELECT customer_id, industry FROM rm_customers WHERE customer_id = ANY(:ids)"),
                                {"ids": ids}).all())
    assert got == {world.ids["C1"]: "制造业", world.ids["C2"]: "批发零售", world.ids["C3"]: "制造业"}
