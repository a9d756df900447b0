"""What the portal's sales screens need from the API: `q` and `sort` on the opportunity,
quote and order lists (only what the caller may see; 422 on bad values), the default unit
price (/prices/last), a quote's totals without saving (/quotes/preview), editing a draft
(PATCH /quotes/{id}) and the quote PDF in the caller's language."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.integration

TODAY = datetime.now(UTC).date()
VALID = (TODAY + timedelta(days=10)).isoformat()


def opportunity(world, name: str, amount: str, who: str = "rep1", **extra) -> dict:
    r = world.client(who).post("/opportunities", json={"customer_id": world.customers[who], "name": name,
                                                       "amount": amount, "stage": "prospecting", **extra})
    assert r.status_code == 201, r.json
    return r.json


def quote(world, pid: str, who: str = "rep1", **line) -> dict:
    r = world.client(who).post("/quotes", json={"customer_id": world.customers[who], "valid_until": VALID, "lines": [
        {"product_id": pid, "quantity": 2, "unit_price": "100.00", "tax_rate": 13, **line}]})
    assert r.status_code == 201, r.json
    return r.json


def names(answer) -> list[str]:
    return [r["name"] for r in answer.json["items"]]


def test_opportunities_search_by_name_or_customer_name_and_only_visible(world):
    tag = uuid.uuid4().hex[:6]
    a = opportunity(world, f"压缩机改造-{tag}", "300.00", expected_close_date=(TODAY + timedelta(days=5)).isoformat())
    b = opportunity(world, f"冷却塔-{tag}", "100.00")
    c = opportunity(world, f"压缩机备件-{tag}", "200.00", expected_close_date=(TODAY + timedelta(days=1)).isoformat())
    hidden = opportunity(world, f"压缩机-{tag}", "50.00", who="rep2")
    rep1 = world.client("rep1")
    found = rep1.get("/opportunities", query_string={"q": "压缩机", "per_page": 5})
    assert found.status_code == 200
    ids = {r["id"] for r in found.json["items"]}
    assert {a["id"], c["id"]} <= ids and b["id"] not in ids and hidden["id"] not in ids
    by_customer = rep1.get("/opportunities", query_string={"q": "华东机电", "per_page": 200}).json
    assert {a["id"], b["id"], c["id"]} <= {r["id"] for r in by_customer["items"]}
    assert rep1.get("/opportunities", query_string={"q": "苏州精工"}).json["total"] == 0  # rep2's customer
    assert world.client("rep2").get("/opportunities", query_string={"q": tag}).json["total"] == 1
    # a literal % is not a wildcard
    assert rep1.get("/opportunities", query_string={"q": "%"}).json["total"] == 0
    asc = rep1.get("/opportunities", query_string={"q": tag, "sort": "amount"})
    assert names(asc) == [b["name"], c["name"], a["name"]]
    desc = rep1.get("/opportunities", query_string={"q": tag, "sort": "-amount"})
    assert names(desc) == [a["name"], c["name"], b["name"]]
    rep1.patch(f"/opportunities/{b['id']}", json={"stage": "negotiation"})
    rep1.patch(f"/opportunities/{a['id']}", json={"stage": "qualification"})
    by_stage = rep1.get("/opportunities", query_string={"q": tag, "sort": "stage"})
    assert [r["stage"] for r in by_stage.json["items"]] == ["prospecting", "qualification", "negotiation"]  # pipeline order
    by_stage = rep1.get("/opportunities", query_string={"q": tag, "sort": "-stage"})
    assert [r["stage"] for r in by_stage.json["items"]] == ["negotiation", "qualification", "prospecting"]
    close = rep1.get("/opportunities", query_string={"q": tag, "sort": "expected_close_date"})
    assert names(close) == [c["name"], a["name"], b["name"]]  # no date: last
    close_desc = rep1.get("/opportunities", query_string={"q": tag, "sort": "-expected_close_date"})
    assert names(close_desc) == [a["name"], c["name"], b["name"]]


@pytest.mark.parametrize("path", ["/opportunities", "/quotes", "/orders"])
@pytest.mark.parametrize("args, field", [({"sort": "owner_id"}, "sort"), ({"sort": "-"}, "sort"),
                                         ({"sort": "name;drop"}, "sort"), ({"q": "x" * 101}, "q")])
def test_bad_sort_or_search_is_422(world, path, args, field):
    r = world.client("rep1").get(path, query_string=args)
    assert r.status_code == 422 and field in r.json["error"]["details"]


def test_quotes_and_orders_search_by_number_or_customer_and_sort(world):
    pid = world.product(list_price="100.00")
    small = quote(world, pid, quantity=1)
    big = quote(world, pid, quantity=5)
    other = quote(world, pid, who="rep2")
    rep1 = world.client("rep1")
    hit = rep1.get("/quotes", query_string={"q": big["number"], "per_page": 5}).json
    assert [r["id"] for r in hit["items"]] == [big["id"]]
    assert rep1.get("/quotes", query_string={"q": other["number"]}).json["total"] == 0
    mine = rep1.get("/quotes", query_string={"q": "华东机电", "sort": "-gross", "per_page": 200}).json["items"]
    ids = [r["id"] for r in mine]
    assert ids.index(big["id"]) < ids.index(small["id"]) and other["id"] not in ids
    grosses = [float(r["gross"]) for r in mine]
    assert grosses == sorted(grosses, reverse=True)
    numbers = [r["number"] for r in rep1.get("/quotes", query_string={"sort": "number", "per_page": 200}).json["items"]]
    assert numbers == sorted(numbers)

    o1 = rep1.post("/orders", json={"customer_id": world.customers["rep1"],
                                    "lines": [{"product_id": pid, "quantity": 1}]}).json
    o2 = rep1.post("/orders", json={"customer_id": world.customers["rep1"],
                                    "lines": [{"product_id": pid, "quantity": 4}]}).json
    o3 = world.client("rep2").post("/orders", json={"customer_id": world.customers["rep2"],
                                                    "lines": [{"product_id": pid, "quantity": 1}]}).json
    assert [r["id"] for r in rep1.get("/orders", query_string={"q": o2["number"]}).json["items"]] == [o2["id"]]
    assert rep1.get("/orders", query_string={"q": o3["number"]}).json["total"] == 0
    listed = rep1.get("/orders", query_string={"q": "华东", "sort": "gross", "per_page": 200}).json["items"]
    ids = [r["id"] for r in listed]
    assert ids.index(o1["id"]) < ids.index(o2["id"]) and o3["id"] not in ids
    assert world.client("admin").get("/orders", query_string={"q": o3["number"]}).json["total"] == 1


def test_last_price_is_the_customers_last_else_the_list_price(world):
    pid = world.product(list_price="88.00")
    rep1 = world.client("rep1")
    args = {"customer_id": world.customers["rep1"], "product_id": pid}
    first = rep1.get("/prices/last", query_string=args)
    assert first.status_code == 200
    assert (first.json["unit_price"], first.json["source"], first.json["list_price"]) == ("88.00", "list", "88.00")
    rep1.post("/orders", json={"customer_id": world.customers["rep1"],
                               "lines": [{"product_id": pid, "quantity": 1, "unit_price": "79.90"}]})
    again = rep1.get("/prices/last", query_string=args).json
    assert (again["unit_price"], again["source"], again["last_price"]) == ("79.90", "last", "79.90")
    # rep2 may not learn about rep1's customer: same answer as an unknown one
    hidden = world.client("rep2").get("/prices/last", query_string=args)
    unknown = world.client("rep2").get("/prices/last", query_string={**args, "customer_id": str(uuid.uuid4())})
    assert hidden.status_code == unknown.status_code == 422
    assert hidden.json["error"]["details"] == unknown.json["error"]["details"]
    assert rep1.get("/prices/last", query_string={**args, "product_id": str(uuid.uuid4())}).status_code == 422
    assert rep1.get("/prices/last", query_string={"customer_id": "nope", "product_id": pid}).status_code == 422
    assert "product_id" in rep1.get("/prices/last", query_string={"customer_id": args["customer_id"]}).json["error"]["details"]


def test_preview_prices_like_a_saved_quote_and_saves_nothing(world):
    p1 = world.product(list_price="33.33")
    p2 = world.product(list_price="1999.99")
    world.stock(p1, 100)
    world.stock(p2, 1)
    lines = [{"product_id": p1, "quantity": 7, "discount_pct": "12.5", "tax_rate": 13},
             {"product_id": p2, "quantity": 3, "unit_price": "1999.99", "discount_pct": 5, "tax_rate": "13"}]
    rep1 = world.client("rep1")
    before = len(world.events())
    preview = rep1.post("/quotes/preview", json={"customer_id": world.customers["rep1"], "lines": lines})
    assert preview.status_code == 200, preview.json
    assert len(world.events()) == before
    saved = rep1.post("/quotes", json={"customer_id": world.customers["rep1"], "valid_until": VALID, "lines": lines}).json
    for key in ("net", "tax", "gross"):
        assert preview.json[key] == saved[key]
    assert preview.json["lines"] == saved["lines"]
    assert preview.json["lines"][0]["unit_price"] == "33.33"  # the list price filled in
    assert [w["line"] for w in preview.json["warnings"]] == [1]
    bad = rep1.post("/quotes/preview", json={"customer_id": world.customers["rep1"], "lines": [
        {"product_id": p1, "quantity": 0}]})
    assert bad.status_code == 422 and "lines" in bad.json["error"]["details"]
    hidden = world.client("rep2").post("/quotes/preview", json={"customer_id": world.customers["rep1"], "lines": lines})
    assert hidden.status_code == 422
    assert world.client("finance").post("/quotes/preview", json={"customer_id": world.customers["rep1"],
                                                                 "lines": lines}).status_code == 403


def test_a_draft_is_edited_and_a_sent_quote_is_not(world):
    p1 = world.product(list_price="100.00")
    p2 = world.product(list_price="50.00")
    q = quote(world, p1)
    rep1 = world.client("rep1")
    later = (TODAY + timedelta(days=30)).isoformat()
    r = rep1.patch(f"/quotes/{q['id']}", json={"valid_until": later, "lines": [
        {"product_id": p1, "quantity": 1, "unit_price": "100.00", "discount_pct": 10, "tax_rate": 13},
        {"product_id": p2, "quantity": 2, "unit_price": "50.00", "tax_rate": 13}]})
    assert r.status_code == 200, r.json
    assert (r.json["net"], r.json["tax"], r.json["gross"]) == ("190.00", "24.70", "214.70")
    assert r.json["valid_until"] == later and len(r.json["lines"]) == 2
    got = rep1.get(f"/quotes/{q['id']}").json
    assert got["gross"] == "214.70" and [ln["product_id"] for ln in got["lines"]] == [p1, p2]
    assert world.event_types(q["id"])[-1] == "sales.quote.updated"
    assert rep1.patch(f"/quotes/{q['id']}", json={}).status_code == 422
    past = rep1.patch(f"/quotes/{q['id']}", json={"valid_until": (TODAY - timedelta(days=1)).isoformat()})
    assert past.status_code == 422
    bad_line = rep1.patch(f"/quotes/{q['id']}", json={"lines": [{"product_id": str(uuid.uuid4()), "quantity": 1}]})
    assert bad_line.status_code == 422 and rep1.get(f"/quotes/{q['id']}").json["gross"] == "214.70"
    assert world.client("rep2").patch(f"/quotes/{q['id']}", json={"valid_until": later}).status_code == 404
    assert rep1.post(f"/quotes/{q['id']}/status", json={"status": "sent"}).status_code == 200
    sent = rep1.patch(f"/quotes/{q['id']}", json={"valid_until": later})
    assert sent.status_code == 409 and sent.json["error"]["details"]["status"] == "sent"


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_quote_pdf_speaks_the_callers_language(world):
    pid = world.product(list_price="1234.50")
    q = quote(world, pid, quantity=1000, unit_price="1234.50")
    rep1 = world.client("rep1")
    zh = pdf_text(rep1.get(f"/quotes/{q['id']}/pdf", headers={"Accept-Language": "zh-CN"}).data)
    assert "状态：草稿" in zh and "draft" not in zh and "价税合计" in zh
    assert "1,394,985.00" in zh  # 1000 x 1234.50 x 1.13, grouped
    en = pdf_text(rep1.get(f"/quotes/{q['id']}/pdf", headers={"Accept-Language": "en-US,en;q=0.9"}).data)
    assert "Status: Draft" in en and "Total (incl. tax)" in en and "状态" not in en
    assert "上海华东机电设备有限公司" in en  # names stay as they are
    default = pdf_text(rep1.get(f"/quotes/{q['id']}/pdf").data)
    assert "状态：草稿" in default
