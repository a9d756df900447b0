"""Merging duplicate customers through the gateway (issue 17.2): the duplicate's records move
to the kept customer in the customer, sales and billing services and on the timeline, and go
back on undo; the tombstone points to the survivor; a rep never merges or sees a colleague's
pairs; an undo that something newer depends on is a 409 with the reason."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def people(admin):
    return {"rep": admin.create_user("sales"), "other": admin.create_user("sales"),
            "finance": admin.create_user("finance")}


@pytest.fixture(scope="module")
def product(admin):
    tag = uuid.uuid4().hex[:8]
    prod = admin.post("/products", json={"sku": f"MRG-{tag}", "name": f"合并测试 {tag}", "unit": "台",
                                         "list_price": "100.00"})
    assert prod.status_code == 201, prod.text
    wh = admin.post("/warehouses", json={"code": f"WM{tag}", "name": f"合并仓 {tag}"})
    assert wh.status_code == 201, wh.text
    receipt = admin.post("/stock/receipts", json={"warehouse_id": wh.json()["id"],
                                                  "lines": [{"product_id": prod.json()["id"], "quantity": 50}]})
    assert receipt.status_code == 201, receipt.text
    return prod.json()["id"]


def _phone() -> str:
    return "0571-" + str(uuid.uuid4().int)[:8]


def customer(client, name: str, **extra) -> dict:
    r = client.post("/customers", json={"name": f"{name} {uuid.uuid4().hex[:8]}", **extra})
    assert r.status_code == 201, r.text
    return r.json()


def timeline(client, cid: str) -> list[dict]:
    r = client.get("/timeline", params={"customer_id": cid, "per_page": 200})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def ids_of(client, path: str, cid: str) -> set[str]:
    r = client.get(path, params={"customer_id": cid, "per_page": 200})
    assert r.status_code == 200, r.text
    return {x["id"] for x in r.json()["items"]}


def test_merge_and_undo_move_records_across_services_and_the_timeline(people, product):
    rep, finance = people["rep"], people["finance"]
    phone = _phone()
    keep = customer(rep, "合并保留客户", phone=phone, category="A")
    dup = customer(rep, "合并重复客户", phone=phone, address="杭州市西湖区文三路 1 号", industry="贸易")
    contact = rep.post(f"/customers/{dup['id']}/contacts", json={"name": "张三", "email": "zs@example.cn"})
    assert contact.status_code == 201, contact.text
    assert rep.post("/activities", json={"customer_id": dup["id"], "kind": "call", "summary": "重复客户的电话"}
                    ).status_code == 201
    assert rep.post("/activities", json={"customer_id": keep["id"], "kind": "visit", "summary": "保留客户的拜访"}
                    ).status_code == 201

    def place():
        r = rep.post("/orders", json={"customer_id": dup["id"], "lines": [
            {"product_id": product, "quantity": 1, "unit_price": "100.00", "tax_rate": "13"}]})
        return r.json() if r.status_code == 201 else None

    order = eventually(place, timeout=20)

    def invoice():
        r = finance.post("/invoices", json={"order_id": order["id"], "amount": "113.00"})
        return r.json() if r.status_code == 201 else None

    inv = eventually(invoice, timeout=20)
    pay = finance.post("/payments", json={"customer_id": dup["id"], "order_id": order["id"], "amount": "50.00",
                                          "method": "bank_transfer"})
    assert pay.status_code == 201, pay.text

    # the pair is offered; the preview shows both values
    pairs = rep.get("/customers/duplicates", params={"customer_id": dup["id"]}).json()["items"]
    assert [(p["customer"]["id"], p["duplicate"]["id"], p["reasons"]) for p in pairs] == \
        [(keep["id"], dup["id"], ["phone"])]
    preview = rep.get(f"/customers/{keep['id']}/merge-preview", params={"duplicate_id": dup["id"]})
    assert preview.status_code == 200, preview.text
    fields = {f["field"]: f for f in preview.json()["fields"]}
    assert fields["name"]["conflict"] and fields["name"]["duplicate"] == dup["name"]
    assert fields["address"]["default"] == "duplicate" and not fields["phone"]["conflict"]
    assert preview.json()["records"]["contacts"] == 1 and preview.json()["records"]["activities"] == 1

    def settled_before():  # every event of the duplicate filed on its timeline
        types = {e["type"] for e in timeline(rep, dup["id"])}
        wanted = {"customer.customer.created", "sales.order.placed", "billing.invoice.issued",
                  "billing.payment.received"}
        return timeline(rep, dup["id"]) if wanted <= types else None

    dup_entries = {e["event_id"] for e in eventually(settled_before, timeout=30)}
    keep_entries = {e["event_id"] for e in timeline(rep, keep["id"])}

    merged = rep.post(f"/customers/{keep['id']}/merge",
                      json={"duplicate_id": dup["id"], "fields": {"name": "keep", "industry": "duplicate"}})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    merge_id = body["merge_id"]
    assert body["customer"]["address"] == dup["address"] and body["customer"]["industry"] == "贸易"
    assert body["customer"]["name"] == keep["name"] and body["moved"]["contacts"] == 1

    tomb = rep.get(f"/customers/{dup['id']}")
    assert tomb.status_code == 200 and tomb.json()["merged_into"] == keep["id"]
    assert tomb.json()["status"] == "deleted"
    restore = rep.post(f"/customers/{dup['id']}/restore")
    assert restore.status_code == 409 and restore.json()["error"]["code"] == "customer_merged"
    assert contact.json()["id"] in ids_of(rep, "/contacts", keep["id"])

    def moved_everywhere():
        return (order["id"] in ids_of(rep, "/orders", keep["id"])
                and inv["id"] in ids_of(finance, "/invoices", keep["id"])
                and dup_entries <= {e["event_id"] for e in timeline(rep, keep["id"])})

    assert eventually(moved_everywhere, timeout=30)
    assert ids_of(rep, "/orders", dup["id"]) == set()
    receivable = eventually(lambda: [r for r in rep.get("/receivables", params={"customer_id": keep["id"]})
                                     .json()["items"] if r["invoiced"] == "113.00"], timeout=20)[0]
    assert receivable["paid"] == "50.00"
    types = [e["type"] for e in timeline(rep, keep["id"])]
    assert "customer.customer.merged" in types

    undo = rep.post(f"/merges/{merge_id}/undo")
    assert undo.status_code == 200, undo.text
    assert undo.json()["duplicate"]["status"] == "active" and undo.json()["duplicate"]["merged_into"] is None
    assert undo.json()["customer"]["industry"] is None and undo.json()["customer"]["address"] is None
    assert rep.get(f"/customers/{dup['id']}").json()["merged_into"] is None
    assert ids_of(rep, "/contacts", dup["id"]) == {contact.json()["id"]}
    assert contact.json()["id"] not in ids_of(rep, "/contacts", keep["id"])

    def back_everywhere():
        keep_now = {e["event_id"] for e in timeline(rep, keep["id"])}
        return (order["id"] in ids_of(rep, "/orders", dup["id"])
                and inv["id"] in ids_of(finance, "/invoices", dup["id"])
                and not ids_of(finance, "/invoices", keep["id"])
                and dup_entries <= {e["event_id"] for e in timeline(rep, dup["id"])}
                and not (dup_entries & keep_now) and keep_entries <= keep_now)

    assert eventually(back_everywhere, timeout=30)
    after = [e["type"] for e in timeline(rep, keep["id"])]
    assert {"customer.customer.merged", "customer.customer.merge_undone"} <= set(after)
    dup_receivable = rep.get("/receivables", params={"customer_id": dup["id"]}).json()["items"][0]
    assert dup_receivable["invoiced"] == "113.00" and dup_receivable["paid"] == "50.00"
    again = rep.post(f"/merges/{merge_id}/undo")
    assert again.status_code == 409 and again.json()["error"]["code"] == "merge_already_undone"


def test_a_rep_neither_merges_nor_sees_a_colleagues_pairs(people):
    rep, other = people["rep"], people["other"]
    phone = _phone()
    mine = customer(rep, "可见性合并甲", phone=phone)
    theirs = customer(other, "可见性合并乙", phone=phone)
    theirs2 = customer(other, "可见性合并丙", phone=phone)
    # the other rep's pair shows to them, never with the rep's customer
    pairs = other.get("/customers/duplicates", params={"per_page": 200}).json()["items"]
    seen = {(p["customer"]["id"], p["duplicate"]["id"]) for p in pairs}
    assert (theirs["id"], theirs2["id"]) in seen
    assert all(mine["id"] not in pair for pair in seen)
    assert all(theirs["id"] not in (p["customer"]["id"], p["duplicate"]["id"])
               for p in rep.get("/customers/duplicates", params={"per_page": 200}).json()["items"])
    for survivor, duplicate in ((mine, theirs), (theirs, mine)):
        r = rep.post(f"/customers/{survivor['id']}/merge", json={"duplicate_id": duplicate["id"]})
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", r.text
    assert rep.get(f"/customers/{mine['id']}/merge-preview",
                   params={"duplicate_id": theirs["id"]}).status_code == 404
    assert rep.get(f"/customers/{theirs['id']}").status_code == 404  # nothing changed hands
    bad = rep.post(f"/customers/{mine['id']}/merge", json={"duplicate_id": mine["id"]})
    assert bad.status_code == 422
    bad = rep.post(f"/customers/{mine['id']}/merge", json={"duplicate_id": theirs["id"], "fields": {"x": "keep"}})
    assert bad.status_code == 422 and "fields.x" in bad.json()["error"]["details"]
    # the other rep's own merge: the rep cannot undo it (404), they can
    merged = other.post(f"/customers/{theirs['id']}/merge", json={"duplicate_id": theirs2["id"]})
    assert merged.status_code == 200, merged.text
    assert rep.post(f"/merges/{merged.json()['merge_id']}/undo").status_code == 404
    assert other.post(f"/merges/{merged.json()['merge_id']}/undo").status_code == 200


def test_undo_is_refused_when_something_newer_depends_on_the_merge(people):
    rep = people["rep"]
    phone = _phone()
    a, b, c = (customer(rep, f"依赖合并{x}", phone=phone) for x in "甲乙丙")
    first = rep.post(f"/customers/{a['id']}/merge", json={"duplicate_id": b["id"]})
    second = rep.post(f"/customers/{a['id']}/merge", json={"duplicate_id": c["id"]})
    assert first.status_code == 200 and second.status_code == 200, (first.text, second.text)
    refused = rep.post(f"/merges/{first.json()['merge_id']}/undo")
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "merge_depended_on"
    assert error["details"] == {"reason": "later_merge", "merge_id": second.json()["merge_id"]}
    assert rep.post(f"/merges/{second.json()['merge_id']}/undo").status_code == 200
    # a field the merge set, changed since: undoing would throw that change away
    assert rep.patch(f"/customers/{a['id']}", json={"category": "B"}).status_code == 200
    merge_b = first.json()["merge_id"]
    assert rep.post(f"/merges/{merge_b}/undo").status_code == 200  # the merge set no category
    third = rep.post(f"/customers/{a['id']}/merge", json={"duplicate_id": b["id"],
                                                          "fields": {"name": "duplicate"}})
    assert third.status_code == 200 and third.json()["customer"]["name"] == b["name"]
    assert rep.patch(f"/customers/{a['id']}", json={"name": f"改过的名字 {uuid.uuid4().hex[:6]}"}).status_code == 200
    edited = rep.post(f"/merges/{third.json()['merge_id']}/undo")
    assert edited.status_code == 409 and edited.json()["error"]["details"]["reason"] == "edited_since"
    assert edited.json()["error"]["details"]["fields"] == ["name"]
    merges = rep.get("/merges", params={"customer_id": a["id"]}).json()
    assert merges["total"] == 3 and [m["status"] for m in merges["items"]] == ["merged", "undone", "undone"]
