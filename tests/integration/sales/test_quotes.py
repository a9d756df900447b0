"""Quotes: totals and stock warnings, the status machine (every illegal move is 409),
copy, conversion to an order, the PDF in Chinese, and sending it by email."""

from __future__ import annotations

import email
import io
import socket
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from services.sales.bootstrap import create_app
from services.sales.config import SalesConfig
from shared.testing.clients import ServiceClient

pytestmark = pytest.mark.integration

TODAY = datetime.now(UTC).date()


def make_quote(world, *, quantity=3, valid_until=None, who="rep1", stock=None) -> dict:
    pid = world.product(list_price="100.00")
    if stock is not None:
        world.stock(pid, stock)
    r = world.client(who).post("/quotes", json={
        "customer_id": world.customers[who], "valid_until": (valid_until or TODAY + timedelta(days=10)).isoformat(),
        "lines": [{"product_id": pid, "quantity": quantity, "unit_price": "100.00", "discount_pct": 10,
                   "tax_rate": "13"}]})
    assert r.status_code == 201, r.json
    return r.json


def expire(world, quote_id: str) -> None:
    with world.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE quotes SET valid_until = current_date - 1 WHERE id = %s", (quote_id,))


def set_status(world, quote_id: str, target: str, who="rep1"):
    return world.client(who).post(f"/quotes/{quote_id}/status", json={"status": target})


def test_quote_totals_and_stock_warnings(world):
    q = make_quote(world, quantity=3, stock=2)
    assert q["status"] == "draft" and q["number"].startswith("QT-")
    assert (q["net"], q["tax"], q["gross"]) == ("270.00", "35.10", "305.10")
    assert q["lines"][0]["gross"] == "305.10"
    assert q["warnings"] == [{"line": 0, "code": "insufficient_stock", "product_id": q["lines"][0]["product_id"],
                              "requested": 3, "available": 2, "message": q["warnings"][0]["message"]}]
    assert make_quote(world, quantity=3, stock=3)["warnings"] == []
    assert world.event_types(q["id"]) == ["sales.quote.created"]


def test_quote_in_the_past_is_422(world):
    r = world.client("rep1").post("/quotes", json={
        "customer_id": world.customers["rep1"], "valid_until": (TODAY - timedelta(days=1)).isoformat(),
        "lines": [{"product_id": world.product(), "quantity": 1, "unit_price": "1.00", "tax_rate": 13}]})
    assert r.status_code == 422 and "valid_until" in r.json["error"]["details"]


LEGAL = {("draft", "sent"), ("sent", "accepted"), ("sent", "rejected")}
PATHS = {"draft": [], "sent": ["sent"], "accepted": ["sent", "accepted"], "rejected": ["sent", "rejected"]}


@pytest.mark.parametrize("start", ["draft", "sent", "accepted", "rejected", "expired"])
@pytest.mark.parametrize("target", ["sent", "accepted", "rejected"])
def test_every_status_move(world, start, target):
    q = make_quote(world)
    for step in PATHS.get(start, []):
        assert set_status(world, q["id"], step).status_code == 200
    if start == "expired":
        expire(world, q["id"])
        assert world.client("rep1").get(f"/quotes/{q['id']}").json["status"] == "expired"
    r = set_status(world, q["id"], target)
    if (start, target) in LEGAL:
        assert r.status_code == 200 and r.json["status"] == target
        assert world.event_types(q["id"])[-1] == "sales.quote.updated"
    else:
        assert r.status_code == 409, (start, target)
        assert r.json["error"]["code"] == "illegal_transition"


def test_bad_status_is_422(world):
    q = make_quote(world)
    assert set_status(world, q["id"], "expired").status_code == 422
    assert set_status(world, q["id"], "draft").status_code == 422


def test_expired_filter(world):
    q = make_quote(world)
    expire(world, q["id"])
    expired = world.client("rep1").get("/quotes", query_string={"status": "expired", "per_page": 200}).json
    assert q["id"] in [x["id"] for x in expired["items"]]
    drafts = world.client("rep1").get("/quotes", query_string={"status": "draft", "per_page": 200}).json
    assert q["id"] not in [x["id"] for x in drafts["items"]]


def test_copy_makes_a_new_draft_even_of_an_expired_quote(world):
    q = make_quote(world)
    set_status(world, q["id"], "sent")
    expire(world, q["id"])
    r = world.client("rep1").post(f"/quotes/{q['id']}/copy")
    assert r.status_code == 201
    c = r.json
    assert c["id"] != q["id"] and c["status"] == "draft" and c["copied_from"] == q["id"]
    assert c["lines"][0]["unit_price"] == "100.00" and c["gross"] == q["gross"]
    assert c["valid_until"] >= TODAY.isoformat()


def test_convert_to_order_once(world):
    q = make_quote(world)
    assert world.client("rep1").post(f"/quotes/{q['id']}/convert").status_code == 409  # a draft
    set_status(world, q["id"], "sent")
    r = world.client("rep1").post(f"/quotes/{q['id']}/convert")
    assert r.status_code == 201, r.json
    order = r.json
    assert order["quote_id"] == q["id"] and order["status"] == "pending"
    assert (order["net"], order["tax"], order["gross"]) == ("270.00", "35.10", "305.10")
    assert order["lines"][0]["discount_pct"] == "10"
    got = world.client("rep1").get(f"/quotes/{q['id']}").json
    assert got["status"] == "accepted" and got["order_id"] == order["id"]
    again = world.client("rep1").post(f"/quotes/{q['id']}/convert")
    assert again.status_code == 409
    listed = world.client("rep1").get("/orders", query_string={"quote_id": q["id"]}).json
    assert [o["id"] for o in listed["items"]] == [order["id"]]


def test_convert_of_rejected_or_expired_is_409(world):
    a = make_quote(world)
    set_status(world, a["id"], "sent")
    set_status(world, a["id"], "rejected")
    b = make_quote(world)
    set_status(world, b["id"], "sent")
    expire(world, b["id"])
    for q in (a, b):
        assert world.client("rep1").post(f"/quotes/{q['id']}/convert").status_code == 409


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_pdf_has_the_customer_chinese_name_in_its_text_layer(world):
    q = make_quote(world)
    r = world.client("rep1").get(f"/quotes/{q['id']}/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.data.startswith(b"%PDF")
    text = pdf_text(r.data)
    assert "上海华东机电设备有限公司" in text
    assert "离心泵" in text and "305.10" in text and q["number"] in text
    assert world.client("rep2").get(f"/quotes/{q['id']}/pdf").status_code == 404


class _Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def test_send_emails_the_pdf_and_marks_the_draft_sent(world, smtp_server):
    port, inbox = smtp_server
    app = create_app(world.settings, SalesConfig(smtp_host="127.0.0.1", smtp_port=port, smtp_sender="sales@crm.test"))
    rep1 = ServiceClient(app, world.users["rep1"], world.settings.internal_secret)
    q = make_quote(world)
    r = rep1.post(f"/quotes/{q['id']}/send", json={"to": ["buyer@example.cn"], "cc": ["boss@example.cn"]})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "sent" and r.json["sent_at"]
    assert len(inbox.messages) == 1
    rcpts, raw = inbox.messages[0]
    assert sorted(rcpts) == ["boss@example.cn", "buyer@example.cn"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert q["number"] in str(msg["Subject"]) and "上海华东机电设备有限公司" in str(msg["Subject"])
    attachments = [part for part in msg.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert len(attachments) == 1
    pdf = attachments[0].get_content()
    assert pdf.startswith(b"%PDF") and "上海华东机电设备有限公司" in pdf_text(pdf)


def test_send_fails_cleanly_when_the_mail_server_is_down(world):
    q = make_quote(world)  # the module's app points at port 1: nothing listens
    r = world.client("rep1").post(f"/quotes/{q['id']}/send", json={"to": ["buyer@example.cn"]})
    assert r.status_code == 503 and r.json["error"]["code"] == "mail_failed"
    got = world.client("rep1").get(f"/quotes/{q['id']}").json
    assert got["status"] == "draft" and got["sent_at"] is None
    assert world.event_types(q["id"]) == ["sales.quote.created"]
    bad = world.client("rep1").post(f"/quotes/{q['id']}/send", json={"to": ["not an address"]})
    assert bad.status_code == 422


def test_quote_of_a_deleted_customer_is_neither_copied_nor_converted(world):
    from shared.testing.clients import seed_customer

    q = make_quote(world)
    set_status(world, q["id"], "sent")
    seed_customer(world.engine, world.users["rep1"]["id"], customer_id=world.customers["rep1"],
                  name="上海华东机电设备有限公司", status="deleted")
    try:
        assert world.client("rep1").post(f"/quotes/{q['id']}/convert").status_code == 422
        assert world.client("rep1").post(f"/quotes/{q['id']}/copy").status_code == 422
    finally:
        seed_customer(world.engine, world.users["rep1"]["id"], customer_id=world.customers["rep1"],
                      name="上海华东机电设备有限公司")
    assert world.client("rep1").post(f"/quotes/{q['id']}/convert").status_code == 201
