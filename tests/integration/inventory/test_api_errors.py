"""Error statuses every inventory endpoint shares: 401 without the gateway's identity, 404
for ids that are not UUIDs or not there, 403 for roles that may not write, 422 for bad
bodies and paging, 400 for malformed JSON — always the contract's error body."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.integration

BY_ID = ["/products/{}", "/warehouses/{}", "/stock/receipts/{}", "/stock/transfers/{}", "/stock/adjustments/{}",
         "/shipments/{}", "/stock/reservations/{}", "/loans/{}", "/requisitions/{}", "/suppliers/{}",
         "/purchase-orders/{}", "/products/imports/{}"]
LISTS = ["/products", "/warehouses", "/stock", "/stock/receipts", "/stock/transfers", "/stock/adjustments",
         "/shipments", "/loans", "/requisitions", "/suppliers", "/purchase-orders", "/alerts/low-stock"]
WRITES = ["/products", "/warehouses", "/stock/receipts", "/stock/transfers", "/stock/adjustments", "/shipments",
          "/loans", "/requisitions", "/suppliers", "/purchase-orders"]


def _is_error(r, status: int) -> None:
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True))
    body = r.get_json()
    assert set(body["error"]) == {"code", "message", "details"}


@pytest.mark.parametrize("path", BY_ID)
def test_unknown_or_malformed_ids_are_404(admin, path):
    _is_error(admin.get(path.format("not-a-uuid")), 404)
    _is_error(admin.get(path.format(uuid.uuid4())), 404)


@pytest.mark.parametrize("path", LISTS)
def test_lists_page_and_reject_bad_paging(admin, path):
    r = admin.get(path, query_string={"per_page": 5})
    assert r.status_code == 200 and {"items", "total", "page", "per_page"} <= set(r.get_json())
    _is_error(admin.get(path, query_string={"page": 0}), 422)


def test_without_identity_is_401(app):
    r = app.test_client().get("/products")
    _is_error(r, 401)


@pytest.mark.parametrize("path", WRITES)
def test_writes_reject_other_roles_and_bad_bodies(clients, admin, path):
    sales = clients.as_new("sales")
    _is_error(sales.post(path, json={}), 403)
    _is_error(admin.post(path, json={}), 422)
    _is_error(admin.post(path, data="{oops", headers={"Content-Type": "application/json"}), 400)
    _is_error(admin.post(path, json=[1, 2]), 422)
