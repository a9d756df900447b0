"""A quote discounted past the approval threshold (30% by default) cannot go out until a
manager above its owner or an admin approves it; terms on the quote and its PDF."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.integration

TODAY = datetime.now(UTC).date()


def quote(world, discount: int, who: str = "rep1", **extra) -> dict:
    pid = world.product(list_price="100.00")
    r = world.client(who).post("/quotes", json={
        "customer_id": world.customers[who], "valid_until": (TODAY + timedelta(days=10)).isoformat(),
        "lines": [{"product_id": pid, "quantity": 2, "unit_price": "100.00", "discount_pct": discount,
                   "tax_rate": "13"}], **extra})
    assert r.status_code == 201, r.json
    return r.json


def test_a_deep_discount_waits_for_a_manager(world):
    rep, manager, top, boss = (world.client(k) for k in ("rep1", "manager", "top", "boss"))
    q = quote(world, 40, terms="付款方式：预付30%，发货前付清\n交货期：收到预付款后30天")
    assert (q["needs_approval"], q["approval_status"]) == (True, None)
    qid = q["id"]
    for attempt in (rep.post(f"/quotes/{qid}/status", json={"status": "sent"}),
                    rep.post(f"/quotes/{qid}/send", json={"to": ["buyer@example.com"]})):
        assert attempt.status_code == 409 and attempt.json["error"]["code"] == "quote_needs_approval"
    assert manager.post(f"/quotes/{qid}/approve").status_code == 409  # nothing asked yet

    asked = rep.post(f"/quotes/{qid}/submit", json={"note": "大客户首单"})
    assert asked.status_code == 200 and asked.json["approval_status"] == "pending"
    assert asked.json["approval_note"] == "大客户首单"
    assert rep.post(f"/quotes/{qid}/submit").status_code == 409  # already asked
    pending = manager.get("/quotes", query_string={"approval_status": "pending", "per_page": 200}).json["items"]
    assert qid in [p["id"] for p in pending]
    assert qid not in [p["id"] for p in boss.get("/quotes", query_string={"approval_status": "pending"}).json["items"]]
    assert manager.get("/quotes", query_string={"approval_status": "maybe"}).status_code == 422

    assert rep.post(f"/quotes/{qid}/approve").status_code == 403      # the owner
    assert boss.post(f"/quotes/{qid}/approve").status_code == 404     # another team: not even seen
    refused = top.post(f"/quotes/{qid}/reject", json={"comment": "折扣太大，最多 25%"})  # the manager's manager
    assert refused.status_code == 200 and refused.json["approval_status"] == "rejected"
    assert refused.json["approval_comment"] == "折扣太大，最多 25%"
    assert refused.json["approval_by"] == world.users["top"]["id"]
    assert rep.post(f"/quotes/{qid}/status", json={"status": "sent"}).json["error"]["code"] == "quote_needs_approval"

    assert rep.post(f"/quotes/{qid}/submit", json={"note": "客户同意 35%"}).json["approval_status"] == "pending"
    approved = manager.post(f"/quotes/{qid}/approve", json={"comment": "同意"})
    assert approved.status_code == 200 and approved.json["approval_status"] == "approved"
    sent = rep.post(f"/quotes/{qid}/status", json={"status": "sent"})
    assert sent.status_code == 200 and sent.json["status"] == "sent"
    assert sent.json["terms"].startswith("付款方式")

    types = world.event_types(qid)
    assert types == ["sales.quote.created", "sales.quote.approval_requested", "sales.quote.approval_rejected",
                     "sales.quote.approval_requested", "sales.quote.approved", "sales.quote.updated"]
    events = world.events(qid)
    assert events[1]["data"]["note"] == "大客户首单" and events[2]["data"]["comment"] == "折扣太大，最多 25%"
    assert events[4]["data"]["approval_status"] == "approved" and events[4]["actor_id"] == world.users["manager"]["id"]

    pdf = rep.get(f"/quotes/{qid}/pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "条款" in text and "交货期：收到预付款后30天" in text


def test_new_lines_restart_the_approval_and_small_discounts_need_none(world):
    rep, manager = world.client("rep1"), world.client("manager")
    q = quote(world, 35)
    qid = q["id"]
    rep.post(f"/quotes/{qid}/submit")
    assert manager.post(f"/quotes/{qid}/approve").json["approval_status"] == "approved"
    pid = world.product(list_price="100.00")
    deeper = rep.patch(f"/quotes/{qid}", json={"lines": [{"product_id": pid, "quantity": 1, "unit_price": "100.00",
                                                          "discount_pct": 50, "tax_rate": "13"}]})
    assert deeper.status_code == 200 and (deeper.json["needs_approval"], deeper.json["approval_status"]) == (True, None)
    assert rep.post(f"/quotes/{qid}/status", json={"status": "sent"}).status_code == 409
    fine = rep.patch(f"/quotes/{qid}", json={"lines": [{"product_id": pid, "quantity": 1, "unit_price": "100.00",
                                                        "discount_pct": 10, "tax_rate": "13"}], "terms": "  "})
    assert (fine.json["needs_approval"], fine.json["approval_status"], fine.json["terms"]) == (False, None, None)
    assert rep.post(f"/quotes/{qid}/submit").json["error"]["code"] == "approval_not_needed"
    assert rep.post(f"/quotes/{qid}/status", json={"status": "sent"}).status_code == 200

    small = quote(world, 30)  # at the threshold, not above it
    assert small["needs_approval"] is False
    copy = rep.post(f"/quotes/{quote(world, 45)['id']}/copy", json={})
    assert copy.status_code == 201 and (copy.json["needs_approval"], copy.json["approval_status"]) == (True, None)
    assert rep.patch(f"/quotes/{small['id']}", json={"terms": "x" * 5001}).status_code == 422
