"""Lead assignment and lead activities through the gateway (issue 16): a manager assigns a
rep's lead to a teammate, who is notified and now sees it (the first rep no longer does);
the new owner logs a call on it; at conversion the call moves to the customer and shows on
the customer's timeline."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e


def test_assign_notify_log_and_carry_over(admin):
    manager = admin.create_user("manager")
    first = admin.create_user("sales", manager_id=manager.user["id"])
    second = admin.create_user("sales", manager_id=manager.user["id"])
    company = f"常州{uuid.uuid4().hex[:8]}电气有限公司"
    lead = first.post("/leads", json={"name": "孙十一", "company": company})
    assert lead.status_code == 201, lead.text
    lid = lead.json()["id"]
    assert first.post(f"/leads/{lid}/assign", json={"owner_id": second.user["id"]}).status_code == 403
    r = manager.post(f"/leads/{lid}/assign", json={"owner_id": second.user["id"]})
    assert r.status_code == 200 and r.json()["owner_id"] == second.user["id"], r.text
    assert first.get(f"/leads/{lid}").status_code == 404
    assert second.get(f"/leads/{lid}").json()["owner_id"] == second.user["id"]

    def notified():
        items = second.get("/notifications").json()["items"]
        return [n for n in items if n["kind"] == "lead_assigned" and n["subject_id"] == lid]
    [note] = eventually(notified, timeout=20)
    assert company in note["message"]
    assert not [n for n in manager.get("/notifications").json()["items"] if n["kind"] == "lead_assigned"]

    call = second.post("/activities", json={"lead_id": lid, "kind": "call", "summary": "电话确认需求：两台变压器"})
    assert call.status_code == 201, call.text
    assert first.get("/activities", params={"lead_id": lid}).status_code == 404
    listed = second.get("/activities", params={"lead_id": lid}).json()
    assert [a["id"] for a in listed["items"]] == [call.json()["id"]]

    converted = second.post(f"/leads/{lid}/convert", json={})
    assert converted.status_code == 200, converted.text
    cid = converted.json()["customer_id"]
    on_customer = second.get("/activities", params={"customer_id": cid}).json()["items"]
    assert [a["id"] for a in on_customer] == [call.json()["id"]]

    def on_timeline():
        items = second.get("/timeline", params={"customer_id": cid}).json()["items"]
        return [i for i in items if i["type"] == "customer.activity.logged" and "两台变压器" in i["summary"]]
    eventually(on_timeline, timeout=20)
    # the lead's assignment and its activity are in the audit for an admin
    def audited():
        types = {i["type"] for i in admin.get("/audit", params={"actor_id": manager.user["id"]}).json()["items"]}
        return "customer.lead.assigned" in types
    eventually(audited, timeout=20)
