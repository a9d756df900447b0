"""Hostile input at the customer service answers 4xx in the error body, never 500
(issue 11.5): NUL in text fields and filters, 2,000-deep JSON, huge paging, out-of-range
times, odd paths, and a lead conversion whose opportunity the sales service could not
store (refused before anything is committed)."""

from __future__ import annotations

import uuid

import pytest

from shared import events
from tests.integration.customer.conftest import outbox_events

pytestmark = pytest.mark.integration


def error_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.fixture(scope="module")
def customer_id(people):
    r = people.sales.post("/customers", json={"name": "坏输入测试 华东机电设备有限公司"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_nul_in_a_text_field_is_422_naming_the_field(people, customer_id):
    error = error_of(people.sales.post("/customers", json={"name": "华东\u0000机电"}), 422)
    assert error["details"] == {"name": ["must not contain NUL characters"]}
    error = error_of(people.sales.post(f"/customers/{customer_id}/contacts",
                                       json={"name": "王五", "title": "经理\u0000"}), 422)
    assert error["details"] == {"title": ["must not contain NUL characters"]}
    error = error_of(people.sales.patch(f"/customers/{customer_id}", json={"custom_fields": {"k": "\u0000"}}), 422)
    assert error["details"] == {"custom_fields": {"k": ["must not contain NUL characters"]}}


@pytest.mark.parametrize("query", ["category=a%00b", "q=%00%00", "industry=%00", "owner_id=%00"])
def test_nul_in_a_query_filter_is_422_naming_the_parameter(people, query):
    name = query.split("=")[0]
    error = error_of(people.sales.get(f"/customers?{query}"), 422)
    assert error["details"][name] == ["must not contain NUL characters"]


def test_json_nested_2000_deep_is_400_malformed_json(people):
    deep = b"[" * 2000 + b"]" * 2000
    for path in ("/customers", "/leads", "/activities"):
        error = error_of(people.sales.post(path, data=deep, content_type="application/json"), 400)
        assert error["code"] == "malformed_json"
    nested = b'{"name": "x", "custom_fields": ' + b'{"a":' * 2000 + b"1" + b"}" * 2001
    assert error_of(people.sales.post("/customers", data=nested, content_type="application/json"),
                    400)["code"] == "malformed_json"


@pytest.mark.parametrize("query", ["page=1e20", "page=99999999999999999999", "per_page=1e2", "page=1.0"])
def test_huge_or_odd_paging_is_422(people, query):
    for path in ("/customers", "/contacts", "/leads", "/activities", "/complaints", "/work-plans"):
        assert "page" in error_of(people.sales.get(f"{path}?{query}"), 422)["details"] or "per_page" in \
            error_of(people.sales.get(f"{path}?{query}"), 422)["details"]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "1899-12-31T00:00:00Z"])
def test_times_that_overflow_when_shifted_are_422(people, customer_id, when):
    error = error_of(people.sales.post("/activities", json={"customer_id": customer_id, "kind": "visit",
                                                            "summary": "拜访", "occurred_at": when}), 422)
    assert "occurred_at" in error["details"]
    error = error_of(people.sales.post("/out-of-office", json={"customer_id": customer_id, "start_at": when,
                                                               "end_at": "2030-01-01T00:00:00+08:00",
                                                               "purpose": "拜访"}), 422)
    assert "start_at" in error["details"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_dates_out_of_range_are_422_in_bodies_and_filters(people, day):
    assert "week_start" in error_of(people.sales.post("/work-plans", json={"week_start": day, "plan": "x"}),
                                    422)["details"]
    assert "week_start" in error_of(people.sales.get(f"/work-plans?week_start={day}"), 422)["details"]


def test_odd_paths_answer_json_404(people, customer_id):
    for path in ("//customers", f"//customers/{customer_id}", "/customers//", "/customers/", "/notifications/", f"/customers/{customer_id}%00",
                 "/customers/%0D%0A", "/customers/" + "x" * 5000, f"/customers/{customer_id}/shares/%00"):
        error_of(people.sales.get(path), 404)
    error_of(people.sales.delete(f"/customers/{customer_id}/shares/a%00b"), 404)


def test_a_nul_in_an_upload_file_name_is_422(people):
    import io

    r = people.sales.post("/imports/customers", data={"file": (io.BytesIO(b"name\n"), "a\x00.csv")},
                          content_type="multipart/form-data")
    assert "file" in error_of(r, 422)["details"]


# ---- the lead conversion validates the opportunity before committing ----------------

def new_lead(people) -> str:
    r = people.sales.post("/leads", json={"name": "李四", "company": f"精工 {uuid.uuid4().hex[:8]}"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


@pytest.mark.parametrize("opportunity,field", [
    ({"name": "首单", "amount": "1e30"}, "amount"),
    ({"name": "首单", "amount": 1e30}, "amount"),
    ({"name": "首单", "amount": "100000000000.01"}, "amount"),  # past the sales service's 10^11
    ({"name": "首单", "amount": "12.345"}, "amount"),
    ({"name": "首单", "amount": "-1"}, "amount"),
    ({"name": "首单", "amount": "1000.00", "expected_close_date": "9999-12-31"}, "expected_close_date"),
    ({"name": "首单", "amount": "1000.00", "expected_close_date": "0001-01-01"}, "expected_close_date"),
])
def test_a_conversion_sales_could_not_store_is_refused_and_nothing_is_committed(people, engine, opportunity, field):
    lead_id = new_lead(people)
    error = error_of(people.sales.post(f"/leads/{lead_id}/convert", json={"opportunity": opportunity}), 422)
    assert field in error["details"]["opportunity"], error
    assert people.sales.get(f"/leads/{lead_id}").get_json()["status"] == "new"
    assert outbox_events(engine, "customer.lead.converted", lead_id) == []


def test_a_conversion_at_the_bound_commits_an_event_the_contract_accepts(people, engine):
    lead_id = new_lead(people)
    r = people.sales.post(f"/leads/{lead_id}/convert", json={"opportunity": {
        "name": "首单", "amount": "1e11", "expected_close_date": "2999-12-31"}})
    assert r.status_code == 200, r.get_json()
    [event] = outbox_events(engine, "customer.lead.converted", lead_id)
    assert event["data"]["opportunity"]["amount"] == "100000000000.00"
    events.validate("customer.lead.converted", event["data"])


def test_an_import_with_nul_in_its_cells_is_imported_without_them(people, worker):
    from tests.integration.customer.test_imports import run_import

    name = f"导入 {uuid.uuid4().hex[:8]} 有限公司"
    data = f"name,phone\n{name[:3]}\x00{name[3:]},021-5555\x000102\n".encode()
    job = run_import(people.sales, worker, data)
    assert job["status"] == "done" and job["created"] == 1, job
    found = people.sales.get("/customers", query_string={"q": name[3:11]}).get_json()["items"]
    assert [c["name"] for c in found] == [name]
