"""Assignment grants in billing: an assignee reads the customer's invoices, payments and
receivable (read-only: a rep may record nothing more than before) until the grant is
revoked."""

from __future__ import annotations

import uuid

import pytest

from shared.envelope import Envelope

pytestmark = pytest.mark.integration


def grant(customer_id: str, user_id: str, record_id: str, seq: int, users: list[str]) -> Envelope:
    event_type = "customer.assignment.granted" if users else "customer.assignment.revoked"
    return Envelope(event_type=event_type, aggregate_type="assignment", aggregate_id=record_id, aggregate_seq=seq,
                    data={"record_type": "complaint", "record_id": record_id, "customer_id": customer_id,
                          "label": "发票抬头错误", "user_id": user_id, "user_name": None, "users": users},
                    producer="customer", region="cn-east", customer_id=customer_id)


def test_the_assignee_reads_billing_until_revoked(billing, finance):
    owner, assignee = billing.user("sales"), billing.user("sales")
    cid = billing.customer(owner)
    oid = billing.order(cid, owner, "500.00")
    invoice = finance.post("/invoices", json={"order_id": oid, "amount": "100.00"}).json
    payment = finance.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": "100.00",
                                              "method": "bank_transfer"}).json

    def sees() -> dict[str, bool]:
        return {
            "invoice": assignee.get(f"/invoices/{invoice['id']}").status_code == 200,
            "invoices": assignee.get("/invoices", query_string={"customer_id": cid}).json["total"] == 1,
            "payment": assignee.get(f"/payments/{payment['id']}").status_code == 200,
            "payments": assignee.get("/payments", query_string={"customer_id": cid}).json["total"] == 1,
            "receivable": assignee.get("/receivables", query_string={"customer_id": cid}).json["total"] == 1,
        }

    assert not any(sees().values())
    record = str(uuid.uuid4())
    billing.feed(grant(cid, assignee.user["id"], record, 1, [assignee.user["id"]]))
    assert all(sees().values()), sees()
    r = assignee.post("/expenses", json={"amount": "10.00", "category": "travel", "description": "x",
                                         "customer_id": cid})
    assert r.status_code == 422 and r.json["error"]["code"] == "unknown_customer"  # no writes through a grant
    billing.feed(grant(cid, assignee.user["id"], record, 2, []))
    assert not any(sees().values())
