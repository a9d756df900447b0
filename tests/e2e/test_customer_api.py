"""The Customers section of API.md through the gateway: statuses, error bodies,
visibility between reps, search, contacts, leads, import, export, complaints."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def team(admin):
    manager = admin.create_user("manager")
    rep = admin.create_user("sales", manager_id=manager.user["id"])
    other = admin.create_user("sales")
    finance = admin.create_user("finance")

    # the customer service's copy of users is fed by gateway.user.* events
    probe = rep.post("/customers", json={"name": f"探针{uuid.uuid4().hex[:8]}"}).json()
    eventually(lambda: manager.get(f"/customers/{probe['id']}").status_code == 200, timeout=20)
    eventually(lambda: rep.post(f"/customers/{probe['id']}/shares",
                                json={"user_id": other.user["id"]}).status_code == 201, timeout=20)
    return {"manager": manager, "rep": rep, "other": other, "finance": finance, "admin": admin}


def test_customer_lifecycle_and_errors(team):
    rep, other, manager = team["rep"], team["other"], team["manager"]
    tag = uuid.uuid4().hex[:6]
    r = rep.post("/customers", json={"name": f"上海{tag}机电设备有限公司", "phone": "021-5555 0000", "category": "A"})
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["owner_id"] == rep.user["id"] and c["status"] == "active"
    r = other.post("/customers", json={"name": f"上海{tag}机电设备 有限责任公司"})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "duplicate_customer" and r.json()["error"]["details"]["existing_id"] == c["id"]
    r = rep.post("/customers", json={"industry": "x"})
    assert r.status_code == 422 and "name" in r.json()["error"]["details"]
    r = rep.post("/customers", data="{oops", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"]
    assert other.get(f"/customers/{c['id']}").status_code == 404
    assert manager.get(f"/customers/{c['id']}").status_code == 200
    assert rep.get(f"/customers?q={tag}").json()["total"] == 1
    assert other.get(f"/customers?q={tag}").json()["total"] == 0
    r = rep.post(f"/customers/{c['id']}/contacts", json={"name": "王五", "is_decision_maker": True})
    assert r.status_code == 201
    assert rep.get(f"/contacts?customer_id={c['id']}").json()["total"] == 1
    assert rep.post(f"/customers/{c['id']}/shares", json={"user_id": other.user["id"]}).status_code == 201
    assert other.get(f"/customers/{c['id']}").status_code == 200
    # a rep cannot push a customer onto another rep (owner_id rule, issue 11.3): admin moves it
    r = rep.post(f"/customers/{c['id']}/transfer", json={"owner_id": other.user["id"]})
    assert r.status_code == 403 and r.json()["error"]["details"] == {"owner_id": ["not a user you may assign to"]}
    r = team["admin"].post(f"/customers/{c['id']}/transfer", json={"owner_id": other.user["id"]})
    assert r.status_code == 200 and r.json()["owner_id"] == other.user["id"]
    assert rep.get(f"/customers/{c['id']}").status_code == 404
    r = other.post(f"/customers/{c['id']}/lost", json={"reason": "转向竞争对手"})
    assert r.status_code == 200 and r.json()["status"] == "lost"
    assert other.delete(f"/customers/{c['id']}").status_code == 200
    assert other.post(f"/customers/{c['id']}/restore").status_code == 200

    def on_timeline():
        entries = other.get("/timeline", params={"customer_id": c["id"]}).json().get("items", [])
        return {"customer.customer.created", "customer.customer.transferred"} <= {e["type"] for e in entries}
    eventually(on_timeline, timeout=20)


def test_lead_conversion(team):
    rep = team["rep"]
    lead = rep.post("/leads", json={"name": "李四", "company": f"苏州{uuid.uuid4().hex[:6]}精工科技有限公司"})
    assert lead.status_code == 201
    r = rep.post(f"/leads/{lead.json()['id']}/convert",
                 json={"opportunity": {"name": "首单", "amount": "80000.00"}})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["customer_id"] and out["contact_id"] and out["opportunity_id"]
    assert rep.post(f"/leads/{lead.json()['id']}/convert", json={}).status_code == 409
    assert rep.get(f"/leads/{lead.json()['id']}").json()["status"] == "converted"

    def opportunity_made():  # the sales service creates it from customer.lead.converted, with that id
        r = rep.get("/opportunities", params={"customer_id": out["customer_id"]})
        return r.status_code == 200 and out["opportunity_id"] in {o["id"] for o in r.json()["items"]}
    eventually(opportunity_made, timeout=20)


def test_import_and_export(team):
    rep = team["rep"]
    tag = uuid.uuid4().hex[:6]
    text = ("name,industry,phone,address,category,contact_name,contact_phone,contact_email\n"
            f"广州{tag}电子有限公司,电子,020-1,,A,陈七,,\n"
            f"广州{tag}电子 公司,,,,,,,\n"
            ",无名,,,,,,\n")
    r = rep.post("/imports/customers", files={"file": ("c.csv", text.encode("gbk"), "text/csv")})
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]

    def finished():
        job = rep.get(f"/imports/{job_id}").json()
        return job if job["status"] in ("done", "failed") else None
    job = eventually(finished, timeout=30)
    assert (job["status"], job["total"], job["created"], job["duplicates"]) == ("done", 3, 1, 1)
    assert job["errors"][0]["row"] == 4  # "done" is written after the last batch committed
    r = rep.get("/exports/customers", params={"format": "csv", "q": tag})
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [x["name"] for x in rows] == [f"广州{tag}电子有限公司"]


def test_activities_and_complaints(team):
    rep, manager = team["rep"], team["manager"]
    c = rep.post("/customers", json={"name": f"客户{uuid.uuid4().hex[:8]}"}).json()
    act = rep.post("/activities", json={"customer_id": c["id"], "kind": "visit", "summary": "拜访"})
    assert act.status_code == 201
    assert manager.post(f"/activities/{act.json()['id']}/comments", json={"text": "好"}).status_code == 201
    r = rep.post("/complaints", json={"customer_id": c["id"], "subject": "破损", "assignee_id": manager.user["id"]})
    assert r.status_code == 201
    cid = r.json()["id"]
    assert rep.patch(f"/complaints/{cid}", json={"status": "resolved"}).status_code == 409
    assert manager.patch(f"/complaints/{cid}", json={"status": "in_progress"}).json()["status"] == "in_progress"

    def notified():  # tracking notifies the assignee from customer.complaint.assigned
        r = manager.get("/notifications")
        return r.status_code == 200 and any("破损" in str(n) for n in r.json()["items"])
    eventually(notified, timeout=20)
    assert team["finance"].get(f"/customers/{c['id']}").status_code == 404
