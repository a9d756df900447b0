"""Imports through the gateway: a Salesforce-shaped file previewed and imported, an upsert
changing one mapped field, and the undo of both reaching the customer's timeline and the other
services' copies (sales can no longer quote the deleted customer)."""

from __future__ import annotations

import json
import uuid

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e


def _finished(client, job_id: str, statuses=("done", "failed")):
    def check():
        job = client.get(f"/imports/{job_id}").json()
        return job if job["status"] in statuses else None
    return eventually(check, timeout=60, interval=0.3)


def _timeline_types(client, customer_id: str) -> list[str]:
    r = client.get("/timeline", params={"customer_id": customer_id, "per_page": 200})
    return [i["type"] for i in r.json()["items"]] if r.status_code == 200 else []


def test_import_upsert_and_undo_through_the_gateway(admin):
    rep = admin.create_user("sales")
    tag = uuid.uuid4().hex[:6]
    first = ("Account ID,Account Name,Industry,Phone,Billing City,Billing Country\n"
             f"S{tag}1,Orbit {tag} Ltd,Mining,010-1,Beijing,China\n").encode()
    preview = rep.post("/imports/preview", files={"file": ("accounts.csv", first, "text/csv")},
                       data={"kind": "customers"})
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["mapping"] == {"Account ID": "external_id", "Account Name": "name", "Industry": "industry",
                               "Phone": "phone", "Billing City": "city", "Billing Country": "country"}
    assert (body["encoding"], body["delimiter"], body["rows"][0][1]) == ("utf-8", ",", f"Orbit {tag} Ltd")
    r = rep.post("/imports/customers", files={"file": ("accounts.csv", first, "text/csv")})
    assert r.status_code == 202, r.text
    created = _finished(rep, r.json()["id"])
    assert created["created"] == 1, created
    [orbit] = rep.get("/customers", params={"q": f"Orbit {tag}"}).json()["items"]
    assert orbit["address"] == "Beijing, China" and orbit["external_id"] == f"S{tag}1"

    second = f"Account ID,Phone,Industry\nS{tag}1,020-2,Banking\n".encode()
    r = rep.post("/imports/customers", files={"file": ("update.csv", second, "text/csv")},
                 data={"mode": "upsert", "match_on": "external_id",
                       "mapping": json.dumps({"Account ID": "external_id", "Phone": "phone", "Industry": None})})
    assert r.status_code == 202, r.text
    upsert = _finished(rep, r.json()["id"])
    assert (upsert["updated"], upsert["created"]) == (1, 0), upsert
    after = rep.get(f"/customers/{orbit['id']}").json()
    assert (after["phone"], after["industry"]) == ("020-2", "Mining")

    assert rep.post(f"/imports/{upsert['id']}/undo").status_code == 202
    assert _finished(rep, upsert["id"], ("undone", "failed"))["status"] == "undone"
    assert rep.get(f"/customers/{orbit['id']}").json()["phone"] == "010-1"
    assert rep.post(f"/imports/{created['id']}/undo").status_code == 202
    assert _finished(rep, created["id"], ("undone", "failed"))["status"] == "undone"
    assert rep.get(f"/customers/{orbit['id']}").json()["status"] == "deleted"
    types = eventually(lambda: (lambda t: t if "customer.customer.deleted" in t else None)(
        _timeline_types(rep, orbit["id"])), timeout=30)
    assert types.count("customer.customer.updated") >= 2 and "customer.customer.created" in types
    # the sales service's copy follows: no opportunity for a deleted customer
    def refused():
        r = rep.post("/opportunities", json={"customer_id": orbit["id"], "name": f"机会{tag}",
                                             "amount": "100.00", "stage": "prospecting"})
        return r.status_code == 422 or None
    assert eventually(refused, timeout=30)
