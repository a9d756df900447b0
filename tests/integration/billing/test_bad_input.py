"""Hostile input at billing (issue 11.5): amounts like 1e30 (the decimal context used to
overflow while rounding), times that overflow when shifted to UTC, dates out of range in
bodies and query strings, NUL text and huge paging answer 4xx in the error body."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def error_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.fixture
def rep(billing):
    return billing.user("sales")


@pytest.mark.parametrize("amount", ["1e30", 1e30, "1E+400", "1000000000000.00", "999999999999.995", "-1e30"])
def test_amounts_past_numeric_14_2_are_422_naming_the_field(billing, finance, rep, amount):
    customer = billing.customer(rep)
    order = billing.order(customer, rep, "305.10")
    assert "amount" in error_of(finance.post("/invoices", json={"order_id": order, "amount": amount}), 422)["details"]
    assert "amount" in error_of(finance.post("/payments", json={"customer_id": customer, "amount": amount,
                                                                "method": "cash"}), 422)["details"]
    assert "amount" in error_of(rep.post("/expenses", json={"amount": amount, "category": "差旅",
                                                            "description": "出租车"}), 422)["details"]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "1899-01-01T00:00:00Z"])
def test_times_that_overflow_are_422(billing, finance, rep, when):
    customer = billing.customer(rep)
    order = billing.order(customer, rep, "305.10")
    assert "received_at" in error_of(finance.post("/payments", json={
        "customer_id": customer, "amount": "1.00", "method": "cash", "received_at": when}), 422)["details"]
    assert "issued_at" in error_of(finance.post("/invoices", json={
        "order_id": order, "amount": "1.00", "issued_at": when}), 422)["details"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_dates_out_of_range_are_422_in_bodies_and_queries(billing, finance, rep, day):
    assert "date" in error_of(finance.post("/exchange-rates", json={"currency": "USD", "rate_to_cny": "7.1",
                                                                    "date": day}), 422)["details"]
    customer = billing.customer(rep)
    assert "as_of" in error_of(finance.post("/opening-balances", json={"customer_id": customer, "amount": "1.00",
                                                                       "as_of": day}), 422)["details"]
    assert "to" in error_of(finance.get(f"/expenses?to={day}"), 422)["details"]
    assert "from" in error_of(finance.get(f"/expenses/summary?from={day}"), 422)["details"]
    assert "as_of" in error_of(finance.get(f"/receivables/ageing?as_of={day}"), 422)["details"]


def test_nul_text_and_huge_paging_are_422(billing, rep):
    assert error_of(rep.post("/expenses", json={"amount": "1.00", "category": "差旅\u0000",
                                                "description": "x"}), 422)["details"] == {
        "category": ["must not contain NUL characters"]}
    for path in ("/invoices", "/payments", "/expenses", "/receivables", "/exchange-rates"):
        error_of(rep.get(f"{path}?page=99999999999999999999"), 422)
        error_of(rep.get(f"{path}?currency=%00"), 422)
