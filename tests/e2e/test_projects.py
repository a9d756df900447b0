"""Customer projects (立项, issue 16.1) through the gateway: a rep records a project with its
competition and the customer's people, attaches the feasibility report with /documents,
applies; only a manager above the rep or an admin decides (403 for the rep, a foreign
manager, finance; 409 on an illegal move); the managers are notified and the rep hears the
decision; every step is on the customer's timeline with the comment; another team never
sees the project by any path (get, list, timeline, its documents, an opportunity naming it)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.testing.fixtures import eventually
from tests.unit.shared import doc_samples as samples

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def team(admin):
    top = admin.create_user("manager")
    # the rep's manager reports to `top`: a manager above the owner transitively may decide too
    manager = admin.create_user("manager", manager_id=top.user["id"])
    other_manager = admin.create_user("manager")
    return {"manager": manager, "top": top, "rep": admin.create_user("sales", manager_id=manager.user["id"]),
            "peer": admin.create_user("sales", manager_id=manager.user["id"]),
            "other_manager": other_manager, "other": admin.create_user("sales", manager_id=other_manager.user["id"]),
            "finance": admin.create_user("finance")}


def _customer(client) -> dict:
    r = client.post("/customers", json={"name": f"华东机电项目客户{uuid.uuid4().hex[:6]}"})
    assert r.status_code == 201, r.text
    return r.json()


def _contact(client, customer_id: str, name: str) -> str:
    r = client.post(f"/customers/{customer_id}/contacts", json={"name": name})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def create_project(client, customer_id: str, **extra) -> dict:
    body = {"customer_id": customer_id, "name": f"二期厂房自动化改造{uuid.uuid4().hex[:4]}", **extra}

    def attempt():
        r = client.post("/projects", json=body)
        if r.status_code == 422 and r.json()["error"]["details"].get("customer_id"):
            return None  # the customer's copy has not reached sales yet
        assert r.status_code == 201, r.text
        return r.json()

    return eventually(attempt, timeout=20)


def test_create_submit_approve_with_the_right_people_only(team, admin):
    rep, manager = team["rep"], team["manager"]
    customer = _customer(rep)
    cid = customer["id"]
    engineer = _contact(rep, cid, "王工")
    project = create_project(rep, cid, description="二期厂房 3 条产线改造", estimated_amount="1200000.00",
                             budget="30000.00",
                             competitors=[{"name": "西门子", "offer": "1150000.00", "notes": "价格低，交期长"},
                                          {"competitor_id": str(uuid.uuid4()), "notes": "老供应商"}],
                             contacts=[{"contact_id": engineer, "role": "技术决策人"}])
    assert project["status"] == "draft" and project["number"].startswith("PJ-")
    assert project["owner_id"] == rep.user["id"] and project["customer_name"] == customer["name"]
    assert project["competitors"][0] == {"competitor_id": None, "name": "西门子", "offer": "1150000.00",
                                         "notes": "价格低，交期长"}
    assert project["contacts"] == [{"contact_id": engineer, "role": "技术决策人"}]
    pid = project["id"]

    # bad input: 422 naming the field, never 500
    r = rep.post("/projects", json={"customer_id": cid, "name": "x", "competitors": [{"notes": "nobody"}]})
    assert r.status_code == 422 and "competitors" in r.json()["error"]["details"], r.text
    r = rep.post("/projects", json={"customer_id": cid, "name": "x", "budget": "-1"})
    assert r.status_code == 422 and "budget" in r.json()["error"]["details"], r.text
    assert rep.post("/projects", json={"name": "x"}).status_code == 422

    # edit while draft; nobody decides a draft
    r = rep.patch(f"/projects/{pid}", json={"budget": "35000.00"})
    assert r.status_code == 200 and r.json()["budget"] == "35000.00", r.text
    r = manager.post(f"/projects/{pid}/approve", json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition", r.text

    # the feasibility report rides on /documents with related_type "project"
    def attach():
        r = rep.post("/documents", files={"file": ("可行性报告.pdf", samples.PDF)},
                     data={"related_type": "project", "related_id": pid, "title": "可行性报告"})
        return r.json() if r.status_code == 201 else None  # waits for the project's copy

    report = eventually(attach, timeout=20)
    assert report["customer_id"] == cid

    r = rep.post(f"/projects/{pid}/submit", json={"note": "可行性报告已附"})
    assert r.status_code == 200 and r.json()["status"] == "pending_approval", r.text
    assert r.json()["submit_note"] == "可行性报告已附"
    assert rep.post(f"/projects/{pid}/submit", json={}).status_code == 409
    assert rep.patch(f"/projects/{pid}", json={"name": "改名"}).status_code == 409

    # 403: the rep and finance (who see it); a peer rep and a manager of another team see
    # nothing of it (404)
    for who in ("rep", "finance"):
        r = team[who].post(f"/projects/{pid}/approve", json={"comment": "ok"})
        assert r.status_code == 403, (who, r.status_code, r.text)
    for who in ("peer", "other_manager"):
        assert team[who].post(f"/projects/{pid}/approve", json={}).status_code == 404, who

    # the manager above the rep is told, and approves with a comment
    def told():
        items = manager.get("/notifications", params={"per_page": 100}).json()["items"]
        return [n for n in items if n["kind"] == "project_approval_requested" and n["subject_id"] == pid] or None

    [note] = eventually(told, timeout=20)
    assert project["number"] in note["message"]
    r = manager.post(f"/projects/{pid}/approve", json={"comment": "同意，控制费用"})
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["status"], done["decided_by"], done["decision_comment"]) == (
        "approved", manager.user["id"], "同意，控制费用")
    assert admin.post(f"/projects/{pid}/reject", json={}).status_code == 409
    assert rep.get(f"/projects/{pid}").json()["status"] == "approved"

    def decision():
        items = rep.get("/notifications", params={"per_page": 100}).json()["items"]
        return [n for n in items if n["kind"] == "project_approved" and n["subject_id"] == pid] or None

    [heard] = eventually(decision, timeout=20)
    assert "同意，控制费用" in heard["message"]

    # every step on the customer's timeline, the decision with its comment, in both languages
    wanted = ["sales.project.created", "sales.project.updated", "sales.project.submitted", "sales.project.approved"]

    def timeline():
        items = rep.get("/timeline", params={"customer_id": cid, "per_page": 200}).json()["items"]
        got = [i for i in items if i["type"].startswith("sales.project.")]
        return got if {i["type"] for i in got} >= set(wanted) else None

    lines = {i["type"]: i for i in eventually(timeline, timeout=30)}
    assert lines["sales.project.approved"]["summary_zh"].endswith("：同意，控制费用")
    assert manager.user["full_name"] in lines["sales.project.approved"]["summary_zh"]
    assert lines["sales.project.approved"]["summary_en"].endswith(": 同意，控制费用")
    assert lines["sales.project.submitted"]["summary_en"].endswith(": 可行性报告已附")
    assert project["number"] in lines["sales.project.created"]["summary_zh"]

    # an opportunity belongs to the project (same customer only)
    r = rep.post("/opportunities", json={"customer_id": cid, "name": "一期设备", "amount": "500000.00",
                                         "stage": "proposal", "project_id": pid})
    assert r.status_code == 201 and r.json()["project_id"] == pid, r.text
    listed = rep.get("/opportunities", params={"project_id": pid}).json()["items"]
    assert [o["id"] for o in listed] == [r.json()["id"]]
    elsewhere = _customer(rep)["id"]

    def mismatch():  # once the new customer's copy is there, the project is the field refused
        r = rep.post("/opportunities", json={"customer_id": elsewhere, "name": "错配", "amount": "1.00",
                                             "stage": "proposal", "project_id": pid})
        return None if r.status_code == 422 and "customer_id" in r.json()["error"]["details"] else (r,)

    [r] = eventually(mismatch, timeout=20)
    assert r.status_code == 422 and "project_id" in r.json()["error"]["details"], r.text


def test_reject_then_revise_and_a_manager_above_decides(team):
    rep, top = team["rep"], team["top"]
    cid = _customer(rep)["id"]
    pid = create_project(rep, cid)["id"]
    assert rep.post(f"/projects/{pid}/submit", json={}).status_code == 200
    r = top.post(f"/projects/{pid}/reject", json={"comment": "预算不足"})
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["decision_comment"] == "预算不足"
    assert top.post(f"/projects/{pid}/approve", json={}).status_code == 409
    r = rep.patch(f"/projects/{pid}", json={"budget": "12000.00"})
    assert r.status_code == 200, r.text
    r = rep.post(f"/projects/{pid}/submit", json={"note": "预算已压缩"})
    assert r.status_code == 200 and r.json()["status"] == "pending_approval" and r.json()["decision_comment"] is None
    r = team["manager"].post(f"/projects/{pid}/approve", json={})
    assert r.status_code == 200 and r.json()["status"] == "approved"

    def rejected_line():
        items = rep.get("/timeline", params={"customer_id": cid, "per_page": 200}).json()["items"]
        return [i for i in items if i["type"] == "sales.project.rejected"] or None

    [line] = eventually(rejected_line, timeout=30)
    assert line["summary_zh"].endswith("：预算不足")


def test_four_eyes_for_a_managers_own_project(team, admin):
    manager = team["manager"]
    cid = _customer(team["rep"])["id"]
    pid = create_project(manager, cid)["id"]  # the manager records it on the rep's customer
    assert manager.post(f"/projects/{pid}/submit", json={}).status_code == 200
    r = manager.post(f"/projects/{pid}/approve", json={})
    assert r.status_code == 403, r.text
    r = admin.post(f"/projects/{pid}/approve", json={"comment": "准"})
    assert r.status_code == 200 and r.json()["status"] == "approved"


def test_another_team_never_sees_the_project(team, admin):
    rep, other, other_manager = team["rep"], team["other"], team["other_manager"]
    cid = _customer(rep)["id"]
    project = create_project(rep, cid, competitors=[{"name": "ABB", "notes": "内部消息：报价 98 万"}])
    pid = project["id"]
    assert rep.post(f"/projects/{pid}/submit", json={"note": "秘密备注"}).status_code == 200
    for outsider in (other, other_manager):
        assert outsider.get(f"/projects/{pid}").status_code == 404
        assert outsider.patch(f"/projects/{pid}", json={"name": "x"}).status_code == 404
        assert outsider.post(f"/projects/{pid}/submit", json={}).status_code == 404
        assert outsider.post(f"/projects/{pid}/reject", json={}).status_code == 404
        for params in ({}, {"customer_id": cid}, {"owner_id": rep.user["id"]}, {"status": "pending_approval"},
                       {"q": project["number"]}):
            r = outsider.get("/projects", params={**params, "per_page": 100})
            assert r.status_code == 200 and pid not in [p["id"] for p in r.json()["items"]], params
        assert outsider.get("/timeline", params={"customer_id": cid}).status_code == 404
        r = outsider.post("/opportunities", json={"customer_id": cid, "name": "x", "amount": "1.00",
                                                  "stage": "proposal", "project_id": pid})
        assert r.status_code == 422
        r = outsider.post("/documents", files={"file": ("偷看.pdf", samples.PDF)},
                          data={"related_type": "project", "related_id": pid})
        assert r.status_code in (404, 422), r.text
        docs = outsider.get("/documents", params={"related_type": "project", "related_id": pid}).json()["items"]
        assert docs == []
    # the team sees it: the manager in the list of applications waiting, finance and admin too
    waiting = team["manager"].get("/projects", params={"status": "pending_approval", "per_page": 100}).json()
    assert pid in [p["id"] for p in waiting["items"]]
    assert team["finance"].get(f"/projects/{pid}").status_code == 200
    assert pid in [p["id"] for p in admin.get("/projects", params={"customer_id": cid}).json()["items"]]
    assert rep.get("/projects", params={"status": "bogus"}).status_code == 422
    assert rep.get("/projects/not-a-uuid").status_code in (404, 422)


def test_expenses_against_an_approved_project(team):
    """泛普: business expenses are applied for against an approved project, approved by the
    manager, then paid by finance; the claim lands on the project's customer's timeline."""
    rep, manager, finance = team["rep"], team["manager"], team["finance"]
    cid = _customer(rep)["id"]
    pid = create_project(rep, cid)["id"]
    claim = {"amount": "860.00", "category": "差旅", "description": "现场勘查交通住宿", "project_id": pid}

    def refused_while_draft():
        r = rep.post("/expenses", json=claim)
        return [r] if r.status_code == 422 and r.json()["error"]["code"] == "project_not_approved" else None

    eventually(refused_while_draft, timeout=20)  # billing's copy of the project arrives first
    assert rep.post(f"/projects/{pid}/submit", json={}).status_code == 200
    assert manager.post(f"/projects/{pid}/approve", json={}).status_code == 200

    def filed():
        r = rep.post("/expenses", json=claim)
        return r.json() if r.status_code == 201 else None

    expense = eventually(filed, timeout=20)
    assert (expense["project_id"], expense["customer_id"], expense["status"]) == (pid, cid, "submitted")
    other_customer = _customer(rep)["id"]

    def mismatch():  # once billing knows the other customer, the project's customer is what differs
        r = rep.post("/expenses", json={**claim, "customer_id": other_customer})
        return [r] if r.json()["error"]["code"] != "unknown_customer" else None

    [r] = eventually(mismatch, timeout=20)
    assert r.status_code == 422 and r.json()["error"]["code"] == "customer_mismatch", r.text
    r = team["other"].post("/expenses", json=claim)
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_project", r.text
    assert finance.post(f"/expenses/{expense['id']}/pay").status_code == 409  # approval before payment
    assert manager.post(f"/expenses/{expense['id']}/approve", json={"reason": "按标准"}).status_code == 200
    assert finance.post(f"/expenses/{expense['id']}/pay").status_code == 200
    listed = manager.get("/expenses", params={"project_id": pid}).json()["items"]
    assert [e["id"] for e in listed] == [expense["id"]]

    def on_timeline():
        items = rep.get("/timeline", params={"customer_id": cid, "per_page": 200}).json()["items"]
        types = {i["type"] for i in items}
        return types >= {"billing.expense.submitted", "billing.expense.approved", "billing.expense.paid",
                         "sales.project.approved"}

    assert eventually(on_timeline, timeout=30)


def test_quotes_and_orders_belong_to_a_project_through_its_opportunity(team, admin):
    rep = team["rep"]
    tag = uuid.uuid4().hex[:8]
    product = admin.post("/products", json={"sku": f"PJ-{tag}", "name": f"伺服电机 {tag}", "unit": "台",
                                            "list_price": "100.00"})
    assert product.status_code == 201, product.text
    cid = _customer(rep)["id"]
    pid = create_project(rep, cid)["id"]
    opp = rep.post("/opportunities", json={"customer_id": cid, "name": "一期", "amount": "300.00",
                                           "stage": "proposal", "project_id": pid})
    assert opp.status_code == 201, opp.text
    valid = (datetime.now(UTC).date() + timedelta(days=7)).isoformat()

    def quoted():
        r = rep.post("/quotes", json={"customer_id": cid, "opportunity_id": opp.json()["id"], "valid_until": valid,
                                      "lines": [{"product_id": product.json()["id"], "quantity": 3}]})
        return r.json() if r.status_code == 201 else None  # the product's copy reaches sales first

    quote = eventually(quoted, timeout=20)
    assert rep.post(f"/quotes/{quote['id']}/status", json={"status": "sent"}).status_code == 200
    order = rep.post(f"/quotes/{quote['id']}/convert")
    assert order.status_code == 201, order.text
    assert [q["id"] for q in rep.get("/quotes", params={"project_id": pid}).json()["items"]] == [quote["id"]]
    assert [o["id"] for o in rep.get("/orders", params={"project_id": pid}).json()["items"]] == [order.json()["id"]]
    for outsider in (team["other"], team["other_manager"]):
        assert outsider.get("/quotes", params={"project_id": pid}).json()["items"] == []
        assert outsider.get("/orders", params={"project_id": pid}).json()["items"] == []
    assert rep.get("/orders", params={"project_id": "x"}).status_code == 422
