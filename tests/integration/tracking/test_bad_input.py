"""Hostile input at tracking (issue 11.5): an over-long or forged timeline cursor, report
periods out of range or overflowing when shifted to UTC, NUL filters and huge paging
answer 422 in the error body."""

from __future__ import annotations

import base64
import uuid

import pytest

from shared.testing.clients import new_user, seed_customer, seed_users

pytestmark = pytest.mark.integration


def error_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.fixture
def admin(engine, as_user):
    user = new_user("admin")
    seed_users(engine, user)
    return as_user(user)


@pytest.mark.parametrize("cursor", ["A" * 10_000, b64("2026-11-22T08:00:00+00:00|" + "9" * 40),
                                    b64("2026-11-22T08:00:00+00:00|-5"), b64("0001-01-01T00:00:00+14:00|1"),
                                    b64("x" * 3000), "%00"])
def test_an_over_long_or_forged_cursor_is_422(engine, admin, cursor):
    customer = seed_customer(engine, admin.user["id"], customer_id=str(uuid.uuid4()))
    for path in (f"/timeline?customer_id={customer}&before={cursor}", f"/audit?before={cursor}"):
        error = error_of(admin.get(path), 422)
        assert "before" in error["details"], error


@pytest.mark.parametrize("query", ["from=0001-01-01T00:00:00%2B05:00", "to=9999-12-31", "from=0001-01-01",
                                   "to=9999-12-31T23:59:59-05:00", "from=" + "2" * 100])
def test_report_periods_out_of_range_are_422(admin, query):
    for path in ("/audit", "/reports/sales-performance", "/reports/product-sales", "/reports/funnel",
                 "/reports/profit", "/reports/customer-trend"):
        error_of(admin.get(f"{path}?{query}"), 422)


def test_nul_filters_and_huge_paging_are_422(admin):
    assert "type" in error_of(admin.get("/audit?type=a%00b"), 422)["details"]
    for path in ("/audit", "/notifications", "/reports/sales-performance", "/reports/receivables-by-owner"):
        error_of(admin.get(f"{path}?page=99999999999999999999"), 422)
        error_of(admin.get(f"{path}?page=1e20"), 422)
