"""Expense claims: state machine, rights, scopes, summary, links to customers and orders."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def team(billing):
    """director > manager > rep, and a rep of another team."""
    director = billing.user("manager")
    manager = billing.user("manager", manager_id=director.user["id"])
    rep = billing.user("sales", manager_id=manager.user["id"])
    outsider = billing.user("sales")
    return director, manager, rep, outsider


def claim(client, **extra):
    resp = client.post("/expenses", json={"amount": "350.00", "category": "差旅", "description": "拜访客户交通费",
                                          **extra})
    assert resp.status_code == 201, resp.json
    return resp.json


def test_state_machine_and_rights(billing, finance, admin, team):
    director, manager, rep, outsider = team
    exp = claim(rep)
    assert exp["status"] == "submitted" and exp["submitter_id"] == rep.user["id"]
    eid = exp["id"]
    assert outsider.post(f"/expenses/{eid}/approve").status_code == 404     # not theirs to see
    assert rep.post(f"/expenses/{eid}/approve").status_code == 403          # own claim
    assert finance.post(f"/expenses/{eid}/approve").status_code == 403      # sees, may not decide
    early_pay = finance.post(f"/expenses/{eid}/pay")
    assert early_pay.status_code == 409 and early_pay.json["error"]["code"] == "expense_not_approved"
    approved = director.post(f"/expenses/{eid}/approve", json={"reason": "同意"})  # manager's manager
    assert approved.status_code == 200
    assert approved.json["status"] == "approved" and approved.json["decided_by"] == director.user["id"]
    again = manager.post(f"/expenses/{eid}/reject")
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_expense_state"
    assert manager.post(f"/expenses/{eid}/pay").status_code == 403
    paid = finance.post(f"/expenses/{eid}/pay")
    assert paid.status_code == 200 and paid.json["status"] == "paid" and paid.json["paid_by"] == finance.user["id"]
    assert finance.post(f"/expenses/{eid}/pay").status_code == 409
    types = [e["event_type"] for e in billing.events("billing.expense.submitted", eid)
             + billing.events("billing.expense.approved", eid) + billing.events("billing.expense.paid", eid)]
    assert types == ["billing.expense.submitted", "billing.expense.approved", "billing.expense.paid"]

    rejected = claim(rep)
    assert admin.post(f"/expenses/{rejected['id']}/reject", json={"reason": "无发票"}).json["status"] == "rejected"
    assert finance.post(f"/expenses/{rejected['id']}/pay").status_code == 409
    assert billing.events("billing.expense.rejected", rejected["id"])[0]["data"]["decided_by"] == admin.user["id"]
    assert admin.post("/expenses/not-an-id/approve").status_code == 404


def test_list_scopes_and_summary(billing, finance, team):
    director, manager, rep, outsider = team
    claim(rep, amount="100.00")
    second = claim(rep, amount="50.50")
    claim(manager, amount="20.00")
    claim(outsider, amount="999.00")
    manager.post(f"/expenses/{second['id']}/approve")

    def submitters(client, **params):
        items = client.get("/expenses", query_string={"per_page": 200, **params}).json["items"]
        return sorted(i["submitter_id"] for i in items)

    assert submitters(rep) == [rep.user["id"]] * 2
    assert set(submitters(manager)) == {rep.user["id"], manager.user["id"]}
    assert set(submitters(director)) == {rep.user["id"], manager.user["id"]}
    assert submitters(outsider) == [outsider.user["id"]]
    assert set(submitters(finance, submitter_id=outsider.user["id"])) == {outsider.user["id"]}
    assert rep.get("/expenses", query_string={"status": "approved"}).json["total"] == 1
    assert outsider.get(f"/expenses/{second['id']}").status_code == 404
    assert manager.get(f"/expenses/{second['id']}").status_code == 200

    summary = {i["submitter_id"]: i for i in manager.get("/expenses/summary").json["items"]}
    assert set(summary) == {rep.user["id"], manager.user["id"]}
    assert summary[rep.user["id"]] == {"submitter_id": rep.user["id"], "count": 2, "total": "150.50",
                                       "submitted": "100.00", "approved": "50.50", "rejected": "0.00", "paid": "0.00"}
    everyone = {i["submitter_id"] for i in finance.get("/expenses/summary").json["items"]}
    assert {rep.user["id"], outsider.user["id"]} <= everyone
    assert manager.get("/expenses", query_string={"status": "lost"}).status_code == 422
    assert manager.get("/expenses/summary", query_string={"from": "yesterday"}).status_code == 422
    tomorrow_on = manager.get("/expenses/summary", query_string={"from": "2999-01-01"}).json["items"]
    assert tomorrow_on == []


def test_links_to_customers_and_orders(billing, team):
    _director, manager, rep, outsider = team
    cid = billing.customer(rep)
    oid = billing.order(cid, rep, "100.00")
    by_order = claim(rep, order_id=oid)
    assert by_order["customer_id"] == cid
    event = billing.events("billing.expense.submitted", by_order["id"])[0]
    assert event["customer_id"] == cid and event["data"]["order_id"] == oid
    by_customer = claim(rep, customer_id=cid)
    assert billing.events("billing.expense.submitted", by_customer["id"])[0]["customer_id"] == cid
    unlinked = claim(rep)
    assert billing.events("billing.expense.submitted", unlinked["id"])[0]["customer_id"] is None
    hidden = outsider.post("/expenses", json={"amount": "1", "category": "招待", "description": "x", "customer_id": cid})
    assert hidden.status_code == 422 and hidden.json["error"]["code"] == "unknown_customer"
    hidden_order = outsider.post("/expenses", json={"amount": "1", "category": "招待", "description": "x",
                                                    "order_id": oid})
    assert hidden_order.status_code == 422 and hidden_order.json["error"]["code"] == "unknown_order"
    other_cid = billing.customer(rep)
    mismatch = rep.post("/expenses", json={"amount": "1", "category": "招待", "description": "x",
                                           "order_id": oid, "customer_id": other_cid})
    assert mismatch.status_code == 422
    assert manager.get("/expenses", query_string={"customer_id": cid}).json["total"] == 2


@pytest.mark.parametrize("body,field", [
    ({"category": "差旅", "description": "x"}, "amount"),
    ({"amount": "-5", "category": "差旅", "description": "x"}, "amount"),
    ({"amount": "5", "description": "x"}, "category"),
    ({"amount": "5", "category": "", "description": "x"}, "category"),
    ({"amount": "5", "category": "差旅"}, "description"),
    ({"amount": "5", "category": "差旅", "description": "x", "customer_id": "abc"}, "customer_id"),
])
def test_expense_validation(billing, body, field):
    rep = billing.user("sales")
    resp = rep.post("/expenses", json=body)
    assert resp.status_code == 422 and field in resp.json["error"]["details"]
    assert billing.scalar("SELECT count(*) FROM expenses WHERE submitter_id = :s", s=rep.user["id"]) == 0


def test_expense_error_statuses(billing, finance):
    rep = billing.user("sales")
    warehouse = billing.user("warehouse")
    mine = claim(warehouse, amount="12.00")
    assert warehouse.get("/expenses").json["total"] == 1          # warehouse: own claims only
    assert [i["submitter_id"] for i in warehouse.get("/expenses/summary").json["items"]] == [warehouse.user["id"]]
    assert rep.get(f"/expenses/{mine['id']}").status_code == 404
    assert finance.get(f"/expenses/{mine['id']}").status_code == 200
    assert finance.get("/expenses/not-a-uuid").status_code == 404
    assert finance.post("/expenses/00000000-0000-4000-8000-000000000000/pay").status_code == 404
    assert finance.get("/expenses", query_string={"submitter_id": "x"}).status_code == 422
    bad_reason = billing.user("admin").post(f"/expenses/{mine['id']}/reject", json={"reason": ""})
    assert bad_reason.status_code == 422 and "reason" in bad_reason.json["error"]["details"]
    assert finance.get(f"/expenses/{mine['id']}").json["status"] == "submitted"


def test_a_claim_older_than_the_validity_period_is_refused_and_nothing_is_written(billing, team):
    """报销有效期: 90 days by default (BILLING_EXPENSE_VALIDITY_DAYS)."""
    from datetime import UTC, datetime, timedelta

    _director, _manager, rep, _outsider = team
    today = datetime.now(UTC).date()
    recent = claim(rep, incurred_on=(today - timedelta(days=30)).isoformat())
    assert recent["incurred_on"] == (today - timedelta(days=30)).isoformat()
    assert billing.events("billing.expense.submitted", recent["id"])[0]["data"]["incurred_on"] == recent["incurred_on"]
    assert claim(rep)["incurred_on"] == today.isoformat()  # default: today

    def count() -> int:
        return billing.scalar("SELECT count(*) FROM expenses WHERE submitter_id = :s", s=rep.user["id"])

    before = count()
    old = rep.post("/expenses", json={"amount": "80.00", "category": "交通", "description": "三个月前的出租车",
                                      "incurred_on": (today - timedelta(days=120)).isoformat()})
    assert old.status_code == 422
    assert old.json["error"]["code"] == "expense_claim_expired"
    assert "90-day" in old.json["error"]["details"]["incurred_on"][0]
    future = rep.post("/expenses", json={"amount": "80.00", "category": "交通", "description": "下周的机票",
                                         "incurred_on": (today + timedelta(days=7)).isoformat()})
    assert future.status_code == 422 and future.json["error"]["code"] == "expense_date_in_future"
    bad = rep.post("/expenses", json={"amount": "80.00", "category": "交通", "description": "x",
                                      "incurred_on": "2026-13-01"})
    assert bad.status_code == 422 and "incurred_on" in bad.json["error"]["details"]
    assert count() == before
