"""A rep leaving, through the gateway (issue 16): an admin hands a rep's 10,000 customers,
open leads, open tasks and open opportunities to a colleague as ONE job; its progress rises in
GET /jobs/{id} up to the total; afterwards the colleague owns all of it, the rep nothing; every
one of the 10,000 customers has the transfer on its timeline (read through the audit, page by
page, and a sample of timelines directly); the colleague gets one notification, not 10,000."""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e
COUNT = 10_000


def _import(client, tag: str, count: int) -> None:
    lines = ["name,industry,phone,address,category,contact_name,contact_phone,contact_email"]
    lines += [f"交接{tag}客户{i:05d}有限公司,电子,0512-{i:07d},苏州,B,联系人{i},," for i in range(count)]
    r = client.post("/imports/customers", files={"file": ("handover.csv", "\n".join(lines).encode(), "text/csv")})
    assert r.status_code == 202, r.text

    def finished():
        job = client.get(f"/imports/{r.json()['id']}").json()
        return job if job["status"] in ("done", "failed") else None
    job = eventually(finished, timeout=240)
    assert (job["status"], job["created"]) == ("done", count), job


def _transferred_customers(client, actor_id: str) -> set[str]:
    """Every customer with a customer.customer.transferred by this actor, through the audit's cursor."""
    seen: set[str] = set()
    params = {"actor_id": actor_id, "type": "customer.customer.transferred", "per_page": 200}
    while True:
        page = client.get("/audit", params=params).json()
        seen.update(e["customer_id"] for e in page["items"])
        if not page.get("next_cursor"):
            return seen
        params["before"] = page["next_cursor"]


def test_a_leaving_reps_ten_thousand_customers_and_open_work_go_to_a_colleague(admin):
    boss = admin.create_user("admin")
    manager = admin.create_user("manager")
    rep = admin.create_user("sales", manager_id=manager.user["id"])
    mate = admin.create_user("sales", manager_id=manager.user["id"])
    tag = uuid.uuid4().hex[:6]
    _import(rep, tag, COUNT)
    customer = rep.get("/customers", params={"q": f"交接{tag}客户00001"}).json()["items"][0]
    lead = rep.post("/leads", json={"name": f"交接线索{tag}"}).json()
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()
    task = rep.post("/tasks", json={"title": "回访", "due_at": due, "customer_id": customer["id"]}).json()
    opp = rep.post("/opportunities", json={"customer_id": customer["id"], "name": "年度框架", "amount": "90000.00",
                                           "stage": "proposal"})
    assert opp.status_code == 201, opp.text
    won = rep.post("/opportunities", json={"customer_id": customer["id"], "name": "已成交", "amount": "100.00",
                                           "stage": "won"}).json()

    started = time.monotonic()
    r = boss.post("/handovers", json={"from_user_id": rep.user["id"], "to_user_id": mate.user["id"]})
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    assert r.json()["total"] == COUNT
    seen: list[int] = []
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        job = boss.get(f"/jobs/{job_id}").json()
        seen.append(job["processed"])
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.3)
    took = time.monotonic() - started
    print(f"hand-over of {COUNT} customers: {took:.1f} s, progress seen {sorted(set(seen))[:12]}...")
    assert job["status"] == "done", job
    assert (job["kind"], job["total"], job["processed"], job["changed"]) == ("handover", COUNT, COUNT, COUNT)
    assert seen == sorted(seen) and any(0 < s < COUNT for s in seen), seen  # progress observed on the way
    assert (job["handover"]["leads"], job["handover"]["tasks"]) == (1, 1)

    assert mate.get("/customers", params={"owner_id": mate.user["id"]}).json()["total"] == COUNT
    assert rep.get("/customers").json()["total"] == 0
    assert mate.get(f"/leads/{lead['id']}").json()["owner_id"] == mate.user["id"]
    assert mate.get(f"/tasks/{task['id']}").json()["assignee_id"] == mate.user["id"]
    eventually(lambda: boss.get(f"/jobs/{job_id}").json()["handover"]["opportunities"] == 1, timeout=60)
    assert mate.get(f"/opportunities/{opp.json()['id']}").json()["owner_id"] == mate.user["id"]
    assert boss.get(f"/opportunities/{won['id']}").json()["owner_id"] == rep.user["id"]  # closed: stays

    ids = set()
    page = 1
    while True:
        chunk = mate.get("/customers", params={"owner_id": mate.user["id"], "per_page": 200, "page": page}).json()
        ids.update(c["id"] for c in chunk["items"])
        if len(chunk["items"]) < 200:
            break
        page += 1
    assert len(ids) == COUNT
    on_timelines = eventually(lambda: (lambda s: s if s >= ids else None)(_transferred_customers(boss, boss.user["id"])),
                              timeout=300, interval=2)
    assert on_timelines == ids  # every customer's timeline has its transfer, and nothing else was moved
    for cid in random.sample(sorted(ids), 20):
        items = mate.get("/timeline", params={"customer_id": cid}).json()["items"]
        [line] = [i for i in items if i["type"] == "customer.customer.transferred" and i["actor_id"] == boss.user["id"]]
        assert f"{rep.user['full_name']} → {mate.user['full_name']}" in line["summary"]

    def told():
        notes = mate.get("/notifications", params={"per_page": 200}).json()["items"]
        return [n for n in notes if n["kind"] in ("handover_received", "customer_transferred", "lead_assigned")]
    notes = eventually(told, timeout=60)
    time.sleep(2)
    notes = told()
    assert [n["kind"] for n in notes] == ["handover_received"], notes
    assert "10000" in notes[0]["message"]
