"""Hostile input at the sales service (issue 11.5): amounts like 1e30, NUL text, CR/LF in
the quote e-mail's subject (no header injection), dates out of range, an order whose total
billing could not store, huge paging; and the opportunity of a converted lead at the
contract's bound is stored."""

from __future__ import annotations

import email
import email.policy
import uuid

import pytest

from services.sales.bootstrap import create_app
from services.sales.config import SalesConfig
from shared.testing.clients import ServiceClient, seed_customer
from tests.integration.sales.test_quotes import smtp_server  # noqa: F401 - fixture

pytestmark = pytest.mark.integration


def error_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def opportunity(world, **changes):
    body = {"customer_id": world.customers["rep1"], "name": "商机", "amount": "1000.00", "stage": "proposal", **changes}
    return world.client("rep1").post("/opportunities", json=body)


@pytest.mark.parametrize("amount", ["1e30", 1e30, "1E+400", "100000000000.01", "1e-30", "NaN"])
def test_amounts_beyond_what_sales_holds_are_422_naming_the_field(world, amount):
    assert "amount" in error_of(opportunity(world, amount=amount), 422)["details"]


def test_an_infinite_json_number_is_422(world):
    raw = '{"customer_id": "CID", "name": "x", "amount": 1e400, "stage": "proposal"}'.replace(
        "CID", world.customers["rep1"])
    error = error_of(world.client("rep1").post("/opportunities", data=raw, content_type="application/json"), 422)
    assert error["details"] == {"amount": ["must be a finite number"]}


def test_nul_in_a_name_is_422(world):
    assert error_of(opportunity(world, name="商机\u0000"), 422)["details"] == {
        "name": ["must not contain NUL characters"]}


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_dates_out_of_range_are_422(world, day):
    assert "expected_close_date" in error_of(opportunity(world, expected_close_date=day), 422)["details"]
    pid = world.product()
    r = world.client("rep1").post("/quotes", json={"customer_id": world.customers["rep1"], "valid_until": day,
                                                   "lines": [{"product_id": pid, "quantity": 1}]})
    assert "valid_until" in error_of(r, 422)["details"]


def test_an_order_whose_total_billing_could_not_store_is_422(world):
    pid = world.product(list_price="100.00")
    line = {"product_id": pid, "quantity": 1, "unit_price": "100000000000.00", "tax_rate": 0}
    r = world.client("rep1").post("/orders", json={"customer_id": world.customers["rep1"], "lines": [line] * 10})
    assert "lines" in error_of(r, 422)["details"]
    ok = world.client("rep1").post("/orders", json={"customer_id": world.customers["rep1"], "lines": [line] * 9})
    assert ok.status_code == 201 and ok.get_json()["gross"] == "900000000000.00"


@pytest.mark.parametrize("query", ["page=99999999999999999999", "page=1e20", "per_page=9e9"])
def test_huge_paging_is_422(world, query):
    for path in ("/orders", "/quotes", "/opportunities", "/contracts"):
        error_of(world.client("rep1").get(f"{path}?{query}"), 422)


def test_deep_json_is_400(world):
    r = world.client("rep1").post("/orders", data=b'{"lines": ' + b"[" * 2000 + b"]" * 2000 + b"}",
                                  content_type="application/json")
    assert error_of(r, 400)["code"] == "malformed_json"


# ---- the quote e-mail: no header injection ---------------------------------------------

def sendable_quote(world, customer_id: str) -> dict:
    pid = world.product()
    r = world.client("rep1").post("/quotes", json={"customer_id": customer_id, "valid_until": "2999-01-01",
                                                   "lines": [{"product_id": pid, "quantity": 1}]})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


@pytest.mark.parametrize("subject", ["报价\r\nBcc: attacker@example.com", "报价\nX-Evil: 1", "报价\r"])
def test_cr_lf_in_the_subject_is_422_and_nothing_is_sent(world, smtp_server, subject):  # noqa: F811
    port, inbox = smtp_server
    app = create_app(world.settings, SalesConfig(smtp_host="127.0.0.1", smtp_port=port, smtp_sender="sales@crm.test"))
    rep1 = ServiceClient(app, world.users["rep1"], world.settings.internal_secret)
    q = sendable_quote(world, world.customers["rep1"])
    r = rep1.post(f"/quotes/{q['id']}/send", json={"to": ["buyer@example.cn"], "subject": subject})
    assert error_of(r, 422)["details"] == {"subject": ["must be a single line (no line breaks)"]}
    assert inbox.messages == []
    assert rep1.get(f"/quotes/{q['id']}").get_json()["status"] == "draft"


def test_a_customer_name_with_a_line_break_cannot_inject_a_header(world, smtp_server):  # noqa: F811
    port, inbox = smtp_server
    app = create_app(world.settings, SalesConfig(smtp_host="127.0.0.1", smtp_port=port, smtp_sender="sales@crm.test"))
    rep1 = ServiceClient(app, world.users["rep1"], world.settings.internal_secret)
    customer = seed_customer(world.engine, world.users["rep1"]["id"], customer_id=str(uuid.uuid4()),
                             name="恶意公司\r\nBcc: attacker@example.com")
    q = sendable_quote(world, customer)
    r = rep1.post(f"/quotes/{q['id']}/send", json={"to": ["buyer@example.cn"]})  # the default subject names it
    assert r.status_code == 200, r.get_json()
    [(recipients, raw)] = inbox.messages
    assert recipients == ["buyer@example.cn"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Bcc"] is None and "恶意公司 Bcc: attacker@example.com" in str(msg["Subject"])


# ---- the converted lead's opportunity at the contract's bound is stored ----------------

def test_a_lead_conversion_at_the_bound_becomes_an_opportunity(world):
    opp_id = str(uuid.uuid4())
    world.feed("customer.lead.converted", {
        "lead_id": str(uuid.uuid4()), "customer_id": world.customers["rep1"], "contact_id": str(uuid.uuid4()),
        "owner_id": world.users["rep1"]["id"], "name": "李四",
        "opportunity": {"id": opp_id, "name": "首单", "amount": "100000000000.00",
                        "expected_close_date": "2999-12-31"}}, aggregate_type="lead")
    got = world.client("rep1").get(f"/opportunities/{opp_id}")
    assert got.status_code == 200, got.get_json()
    assert got.get_json()["amount"] == "100000000000.00" and got.get_json()["expected_close_date"] == "2999-12-31"


def test_a_list_price_past_the_line_bound_is_422_even_at_a_full_discount(world):
    pid = world.product(list_price="500000000000.00")  # inventory holds it; one sales line may not
    r = world.client("manager").post("/orders", json={"customer_id": world.customers["rep1"],
                                                       "lines": [{"product_id": pid, "quantity": 1,
                                                                  "discount_pct": 100}]})
    assert error_of(r, 422)["details"] == {"lines": {"0": {"unit_price": ["must not exceed 100000000000.00"]}}}
