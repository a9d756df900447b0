"""Assignments give access, through the gateway (issue 12.2): a complaint assigned to a
colleague who does not see the customer gives them the complaint and read access to the
customer (record, list, search, contacts, timeline, its orders), not write access;
reassigning takes it away; an inactive assignee is refused 422."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def people(admin):
    return {"owner": admin.create_user("sales"), "helper": admin.create_user("sales"),
            "keeper": admin.create_user("warehouse"), "admin": admin}


def status(client, path: str, **kw) -> int:
    return client.get(path, **kw).status_code


def test_the_assignee_reads_the_customer_until_reassigned(people):
    owner, helper, keeper = people["owner"], people["helper"], people["keeper"]
    tag = uuid.uuid4().hex[:8]
    r = owner.post("/customers", json={"name": f"深圳华强{tag}电子有限公司"})
    assert r.status_code == 201, r.text
    c = r.json()
    assert owner.post(f"/customers/{c['id']}/contacts", json={"name": "陈工"}).status_code == 201
    assert status(helper, f"/customers/{c['id']}") == 404
    # the seed's case: 投诉指派给某业务员受理 (a colleague who does not see the customer)
    r = owner.post("/complaints", json={"customer_id": c["id"], "subject": "屏幕坏点", "assignee_id": helper.user["id"]})
    assert r.status_code == 201, r.text
    comp = r.json()

    assert status(helper, f"/complaints/{comp['id']}") == 200
    assert comp["id"] in {x["id"] for x in helper.get("/complaints").json()["items"]}
    assert status(helper, f"/customers/{c['id']}") == 200
    assert helper.get("/customers", params={"q": tag}).json()["total"] == 1
    assert helper.get("/contacts", params={"customer_id": c["id"]}).json()["total"] == 1
    timeline = eventually(lambda: (lambda r: r.status_code == 200 and r.json())(
        helper.get("/timeline", params={"customer_id": c["id"], "per_page": 200})), timeout=20)
    types = {i["type"] for i in timeline["items"]}
    assert "customer.complaint.created" in types
    eventually(lambda: "customer.assignment.granted" in {i["type"] for i in helper.get(
        "/timeline", params={"customer_id": c["id"], "per_page": 200}).json()["items"]}, timeout=20)
    # read-only: the customer cannot be changed, nothing can be sold to it in their name
    r = helper.patch(f"/customers/{c['id']}", json={"phone": "0755-0"})
    assert r.status_code == 403, r.text
    # the assignee handles the complaint
    r = helper.patch(f"/complaints/{comp['id']}", json={"status": "in_progress"})
    assert r.status_code == 200 and r.json()["status"] == "in_progress"

    # reassigned to a warehouse colleague: the helper loses it, the colleague gains it
    r = owner.patch(f"/complaints/{comp['id']}", json={"assignee_id": keeper.user["id"]})
    assert r.status_code == 200, r.text
    assert status(helper, f"/customers/{c['id']}") == 404
    assert status(helper, f"/complaints/{comp['id']}") == 404
    assert helper.get("/customers", params={"q": tag}).json()["total"] == 0
    eventually(lambda: status(helper, "/timeline", params={"customer_id": c["id"]}) == 404, timeout=20)
    assert status(keeper, f"/customers/{c['id']}") == 200
    eventually(lambda: "customer.complaint.created" in {i["type"] for i in keeper.get(
        "/timeline", params={"customer_id": c["id"], "per_page": 200}).json()["items"]}, timeout=20)


def test_an_inactive_assignee_is_refused(people):
    owner, admin = people["owner"], people["admin"]
    leaver = admin.create_user("sales")
    c = owner.post("/customers", json={"name": f"离职测试{uuid.uuid4().hex[:8]}"}).json()
    assert admin.post(f"/users/{leaver.user['id']}/deactivate").status_code in (200, 204)

    def refused():
        r = owner.post("/complaints", json={"customer_id": c["id"], "subject": "x", "assignee_id": leaver.user["id"]})
        return r.status_code == 422 and "assignee_id" in r.json()["error"]["details"]

    eventually(refused, timeout=20)  # once the customer service has heard of the deactivation
