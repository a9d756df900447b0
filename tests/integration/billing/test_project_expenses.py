"""Expense claims against customer projects: billing's project copy follows
sales.project.* (a stale or redelivered event changes nothing; the shared sample is
accepted), and a claim names a visible, approved project and takes its customer."""

from __future__ import annotations

import uuid

import pytest

from shared.envelope import Envelope
from shared.events import sales as sales_events

pytestmark = pytest.mark.integration


def project_event(event_type: str, project_id: str, customer_id: str, owner_id: str, status: str,
                  seq: int) -> Envelope:
    data = dict(sales_events._PROJECT, id=project_id, customer_id=customer_id, owner_id=owner_id, status=status,
                number=f"PJ-{project_id[:8]}")
    return Envelope(event_type=event_type, aggregate_type="project", aggregate_id=project_id, data=data,
                    producer="sales", region="cn-east", aggregate_seq=seq, customer_id=customer_id)


def test_the_copy_follows_the_newest_snapshot(billing):
    rep = billing.user("sales")
    cid = billing.customer(rep)
    pid = str(uuid.uuid4())
    billing.feed(project_event("sales.project.created", pid, cid, rep.user["id"], "draft", 1))
    billing.feed(project_event("sales.project.approved", pid, cid, rep.user["id"], "approved", 3))
    billing.feed(project_event("sales.project.submitted", pid, cid, rep.user["id"], "pending_approval", 2))  # late
    billing.feed(project_event("sales.project.approved", pid, cid, rep.user["id"], "approved", 3))  # again
    assert billing.scalar("SELECT status FROM projects WHERE id = :p", p=pid) == "approved"
    sample = sales_events._PROJECT
    billing.feed(Envelope(event_type="sales.project.created", aggregate_type="project", aggregate_id=sample["id"],
                          data=dict(sample), producer="sales", region="cn-east", aggregate_seq=1))
    assert billing.scalar("SELECT name FROM projects WHERE id = :p", p=sample["id"]) == sample["name"]


def test_a_claim_against_a_project(billing):
    manager = billing.user("manager")
    rep = billing.user("sales", manager_id=manager.user["id"])
    outsider = billing.user("sales")
    cid, other_cid = billing.customer(rep), billing.customer(rep)
    pid = str(uuid.uuid4())
    billing.feed(project_event("sales.project.submitted", pid, cid, rep.user["id"], "pending_approval", 1))
    body = {"amount": "860.00", "category": "差旅", "description": "现场勘查", "project_id": pid}
    r = rep.post("/expenses", json=body)
    assert r.status_code == 422 and r.json["error"]["code"] == "project_not_approved", r.json
    billing.feed(project_event("sales.project.approved", pid, cid, rep.user["id"], "approved", 2))
    r = rep.post("/expenses", json=body)
    assert r.status_code == 201, r.json
    assert (r.json["project_id"], r.json["customer_id"]) == (pid, cid)
    [event] = billing.events("billing.expense.submitted", r.json["id"])
    assert event["data"]["project_id"] == pid and event["customer_id"] == cid
    r2 = rep.post("/expenses", json={**body, "customer_id": other_cid})
    assert r2.status_code == 422 and r2.json["error"]["code"] == "customer_mismatch"
    r3 = outsider.post("/expenses", json=body)
    assert r3.status_code == 422 and r3.json["error"]["code"] == "unknown_project"
    assert rep.post("/expenses", json={**body, "project_id": "nope"}).status_code == 422
    never = rep.post("/expenses", json={**body, "project_id": str(uuid.uuid4())})  # waited for, then refused
    assert never.status_code == 422 and never.json["error"]["code"] == "unknown_project", never.json
    listed = manager.get("/expenses", query_string={"project_id": pid}).json["items"]
    assert [e["id"] for e in listed] == [r.json["id"]]
