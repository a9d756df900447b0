"""Target attainment (issue 16.4): the reps' targets from sales.target.* against the revenue
of their counted orders per month (the hand-computed scenario: in November R1's O1 418.10,
R2's O2 113.00; in October R1's O5, closed, 56.50), within what the caller sees."""

from __future__ import annotations

import pytest

from tests.integration.tracking import scenario
from tests.integration.tracking.events import envelope

pytestmark = pytest.mark.integration


@pytest.fixture
def world(apply):
    s = scenario.build()
    apply(s.events)
    return s


def target_event(world, owner: str, month: str, amount: str | None, seq: int, setter: str = "M"):
    data = {"owner_id": world.users[owner]["id"], "month": month, "set_by": world.users[setter]["id"]}
    kind = "sales.target.removed"
    if amount is not None:
        data.update(amount=amount, updated_at="2026-11-01T00:00:00+00:00")
        kind = "sales.target.set"
    return envelope(kind, data, aggregate_type="sales_target", aggregate_id=f"{data['owner_id']}:{month}", seq=seq,
                    at="2026-11-01T00:00:00+00:00", customer_id=None, actor_id=data["set_by"])


def rows(client, **query):
    body = client.get("/reports/target-attainment", query_string=query).get_json()
    return {(i["owner_name"], i["month"]): (i["target"], i["revenue"], i["attainment_pct"]) for i in body["items"]}


def test_attainment_per_rep_and_month(world, apply, as_user):
    u = world.users
    apply([target_event(world, "R1", "2026-11", "500.00", 1), target_event(world, "R2", "2026-11", "100.00", 1),
           target_event(world, "R1", "2026-12", "800.00", 1)])
    admin = as_user(u["A"])
    got = rows(admin, year=2026)
    assert got[("张三", "2026-11")] == ("500.00", "418.10", "83.6")
    assert got[("张三", "2026-12")] == ("800.00", "0.00", "0.0")    # a target, nothing sold yet
    r2 = [k for k in got if k[1] == "2026-11" and k[0] != "张三"]
    assert len(r2) == 1 and got[r2[0]] == ("100.00", "113.00", "113.0")  # over the target
    assert got[("张三", "2026-10")] == (None, "56.50", None)  # revenue, no target: no attainment
    assert len(got) == 4
    assert list(rows(admin, month="2026-11")) == sorted(k for k in got if k[1] == "2026-11")

    # a rep sees their own row only; a manager their team (M manages R1, not R2)
    assert {k[0] for k in rows(as_user(u["R1"]), year=2026)} == {"张三"}
    assert {k[0] for k in rows(as_user(u["M"]), year=2026)} == {"张三"}
    assert rows(admin, year=2026, owner_id=u["R2"]["id"]) == {k: v for k, v in got.items() if k[0] != "张三"}

    # changed, then removed; an older "set" delivered late changes nothing
    apply([target_event(world, "R1", "2026-11", "400.00", 2)])
    assert rows(admin, month="2026-11")[("张三", "2026-11")] == ("400.00", "418.10", "104.5")
    apply([target_event(world, "R1", "2026-11", None, 3), target_event(world, "R1", "2026-11", "999.00", 2)])
    assert rows(admin, month="2026-11")[("张三", "2026-11")] == (None, "418.10", None)

    csv = admin.get("/reports/target-attainment", query_string={"year": 2026, "format": "csv"},
                    headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "完成率" in csv.splitlines()[0] and "800.00" in csv
    for bad in ({"month": "2026-13"}, {"month": "２０２６-11"}, {"year": "x"}):
        r = admin.get("/reports/target-attainment", query_string=bad)
        assert r.status_code == 422, bad
