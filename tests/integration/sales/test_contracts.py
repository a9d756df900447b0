"""Contracts: drawn up from an order, review -> signed -> fulfilled, PDF, attachments."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.integration


def order(world, who="rep1") -> dict:
    r = world.client(who).post("/orders", json={"customer_id": world.customers[who],
                                                "lines": [{"product_id": world.product(), "quantity": 2}]})
    return r.json


def contract(world, who="rep1", **body) -> dict:
    o = order(world, who)
    r = world.client(who).post("/contracts", json={"order_id": o["id"], **body})
    assert r.status_code == 201, r.json
    return r.json


def test_contract_flow_and_every_illegal_move(world):
    c = contract(world, title="离心泵采购合同", terms="交货期：30 天\n付款：货到付款")
    assert c["status"] == "review" and c["number"].startswith("HT-")
    rep1 = world.client("rep1")
    assert rep1.post(f"/contracts/{c['id']}/status", json={"status": "fulfilled"}).status_code == 409
    signed = rep1.post(f"/contracts/{c['id']}/status", json={"status": "signed"})
    assert signed.status_code == 200 and signed.json["status"] == "signed" and signed.json["signed_at"]
    assert rep1.post(f"/contracts/{c['id']}/status", json={"status": "signed"}).status_code == 409
    done = rep1.post(f"/contracts/{c['id']}/status", json={"status": "fulfilled"})
    assert done.status_code == 200 and done.json["status"] == "fulfilled"
    for target in ("signed", "fulfilled"):
        assert rep1.post(f"/contracts/{c['id']}/status", json={"status": target}).status_code == 409
    assert rep1.post(f"/contracts/{c['id']}/status", json={"status": "review"}).status_code == 422
    assert world.event_types(c["id"]) == ["sales.contract.created", "sales.contract.updated",
                                          "sales.contract.updated"]


def test_one_contract_per_order_and_not_for_a_cancelled_order(world):
    c = contract(world)
    dup = world.client("rep1").post("/contracts", json={"order_id": c["order_id"]})
    assert dup.status_code == 409 and dup.json["error"]["details"]["existing_id"] == c["id"]
    o = order(world)
    world.client("rep1").post(f"/orders/{o['id']}/cancel")
    assert world.client("rep1").post("/contracts", json={"order_id": o["id"]}).status_code == 409
    other = order(world, "rep2")
    assert world.client("rep1").post("/contracts", json={"order_id": other["id"]}).status_code == 422


def test_contract_pdf_in_chinese(world):
    c = contract(world, terms="质保一年")
    r = world.client("rep1").get(f"/contracts/{c['id']}/pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    assert "上海华东机电设备有限公司" in text and "质保一年" in text and c["number"] in text


def test_attachments_are_stored_listed_downloaded_and_size_limited(world):
    c = contract(world)
    rep1 = world.client("rep1")
    up = rep1.post(f"/contracts/{c['id']}/attachments",
                   data={"file": (io.BytesIO("盖章扫描件".encode()), "合同扫描.txt", "text/plain")},
                   content_type="multipart/form-data")
    assert up.status_code == 201, up.json
    assert up.json["filename"] == "合同扫描.txt" and up.json["size"] == len("盖章扫描件".encode())
    listed = rep1.get(f"/contracts/{c['id']}/attachments").json
    assert [a["id"] for a in listed["items"]] == [up.json["id"]]
    down = rep1.get(f"/contracts/{c['id']}/attachments/{up.json['id']}")
    assert down.status_code == 200 and down.data.decode() == "盖章扫描件"
    limit = world.app.extensions["sales_config"].attachment_max_bytes
    big = rep1.post(f"/contracts/{c['id']}/attachments",
                    data={"file": (io.BytesIO(b"x" * (limit + 1)), "big.bin")}, content_type="multipart/form-data")
    assert big.status_code == 413 and big.json["error"]["code"] == "payload_too_large"
    none = rep1.post(f"/contracts/{c['id']}/attachments", data={}, content_type="multipart/form-data")
    assert none.status_code == 422
    assert rep1.get(f"/contracts/{c['id']}/attachments").json["total"] == 1
    assert world.client("rep2").get(f"/contracts/{c['id']}/attachments/{up.json['id']}").status_code == 404


def test_attachment_names_are_cleaned_and_sent_back_safely(world):
    c = contract(world)
    rep1 = world.client("rep1")
    up = rep1.post(f"/contracts/{c['id']}/attachments",
                   data={"file": (io.BytesIO(b"%PDF-1.4 x"), "scans/盖章合同.pdf", "application/pdf")},
                   content_type="multipart/form-data")
    assert up.status_code == 201
    assert up.json["filename"] == "盖章合同.pdf"
    down = rep1.get(f"/contracts/{c['id']}/attachments/{up.json['id']}")
    assert down.status_code == 200 and down.data == b"%PDF-1.4 x"
    assert "attachment" in down.headers["Content-Disposition"]
