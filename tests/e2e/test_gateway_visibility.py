"""The visibility matrix through the gateway: roles x read and write paths across the
services. A record outside the caller's view is a 404 (never 403) and never appears in
a list; a manager sees their subordinates' records; admin sees all."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e

SEES = {"owner": True, "manager": True, "admin": True, "other_rep": False, "other_manager": False}


@pytest.fixture(scope="module")
def people(admin):
    manager = admin.create_user("manager")
    return {
        "admin": admin,
        "manager": manager,
        "owner": admin.create_user("sales", manager_id=manager.user["id"]),
        "other_rep": admin.create_user("sales"),
        "other_manager": admin.create_user("manager"),
        "finance": admin.create_user("finance"),
        "warehouse": admin.create_user("warehouse"),
    }


@pytest.fixture(scope="module")
def records(people, admin):
    owner = people["owner"]
    tag = uuid.uuid4().hex[:8]
    customer = owner.post("/customers", json={"name": f"可见性测试贸易有限公司{tag}"})
    assert customer.status_code == 201, customer.text
    cid = customer.json()["id"]
    contact = owner.post(f"/customers/{cid}/contacts", json={"name": "李经理", "phone": "13800000000"})
    assert contact.status_code == 201, contact.text
    product = admin.post("/products", json={"sku": f"VIS-{tag}", "name": f"阀门 {tag}", "unit": "个",
                                            "list_price": "50.00"})
    assert product.status_code == 201, product.text
    warehouse = admin.post("/warehouses", json={"code": f"V{tag}", "name": f"可见性仓 {tag}"})
    assert warehouse.status_code == 201, warehouse.text
    receipt = admin.post("/stock/receipts", json={"warehouse_id": warehouse.json()["id"], "lines": [
        {"product_id": product.json()["id"], "quantity": 5}]})
    assert receipt.status_code == 201, receipt.text

    def opportunity():
        r = owner.post("/opportunities", json={"customer_id": cid, "name": "年度采购", "amount": "1000.00",
                                               "stage": "qualification"})
        return r.json() if r.status_code == 201 else None  # until sales has the customer's owner

    def order():
        r = owner.post("/orders", json={"customer_id": cid, "lines": [
            {"product_id": product.json()["id"], "quantity": 1, "tax_rate": "13"}]})
        return r.json() if r.status_code == 201 else None

    return {"customer": cid, "opportunity": eventually(opportunity, timeout=20)["id"],
            "order": eventually(order, timeout=20)["id"]}


def by_id_paths(records) -> dict[str, str]:
    return {
        "customer": f"/customers/{records['customer']}",
        "opportunity": f"/opportunities/{records['opportunity']}",
        "order": f"/orders/{records['order']}",
        "timeline": f"/timeline?customer_id={records['customer']}",
    }


def test_filtered_lists_of_an_invisible_customer_are_empty_or_404(people, records):
    cid = records["customer"]
    assert eventually(lambda: people["owner"].get("/contacts", params={"customer_id": cid}).json()["items"],
                      timeout=15)
    for role in ("other_rep", "other_manager"):
        for path in ("/contacts", "/opportunities", "/orders"):
            response = people[role].get(path, params={"customer_id": cid})
            assert response.status_code in (200, 404), f"{role} {path}"
            if response.status_code == 200:
                assert response.json()["items"] == [], f"{role} {path} leaks"


@pytest.mark.parametrize("role", sorted(SEES))
def test_reads_by_id(people, records, role):
    caller = people[role]
    for name, path in by_id_paths(records).items():
        expected = 200 if SEES[role] else 404
        seen: list = []

        def answered(path=path, expected=expected, seen=seen) -> bool:
            response = caller.get(path)
            assert response.status_code in (200, 404), f"{role} {path}: {response.status_code} {response.text}"
            seen.append(response)
            return response.status_code == expected

        # the manager hierarchy and the customer's owner reach each service by events
        try:
            eventually(answered, timeout=15)
        except AssertionError:
            last = seen[-1] if seen else None
            raise AssertionError(f"{role} {name} {path}: expected {expected}, got "
                                 f"{last.status_code if last is not None else '-'} "
                                 f"{last.text[:300] if last is not None else ''}") from None
        if expected == 404:
            assert seen[-1].json()["error"]["code"] == "not_found", f"{role} {name}"


@pytest.mark.parametrize("role", sorted(SEES))
def test_lists_never_leak(people, records, role):
    caller = people[role]
    lists = {"/customers": records["customer"], "/opportunities": records["opportunity"],
             "/orders": records["order"]}
    for path, record_id in lists.items():
        def listed(path=path, record_id=record_id):
            response = caller.get(path, params={"per_page": 200})
            assert response.status_code == 200, f"{role} {path}: {response.text}"
            return record_id in [item["id"] for item in response.json()["items"]]

        if SEES[role]:
            assert eventually(listed, timeout=15), f"{role} misses {path}"
        else:
            assert not listed(), f"{role} sees another rep's record in {path}"
            customer_filter = caller.get(path, params={"customer_id": records["customer"]})
            if customer_filter.status_code == 200:
                assert record_id not in [i["id"] for i in customer_filter.json()["items"]]
            else:
                assert customer_filter.status_code == 404


def test_writes_on_an_invisible_customer_are_refused(people, records):
    other = people["other_rep"]
    cid = records["customer"]
    patched = other.patch(f"/customers/{cid}", json={"name": "被篡改的名字"})
    assert patched.status_code == 404
    contact = other.post(f"/customers/{cid}/contacts", json={"name": "不该存在"})
    assert contact.status_code == 404
    opportunity = other.post("/opportunities", json={"customer_id": cid, "name": "x", "amount": "1.00",
                                                      "stage": "prospecting"})
    assert opportunity.status_code in (404, 422)
    cancel = other.post(f"/orders/{records['order']}/cancel")
    assert cancel.status_code == 404
    owner_view = people["owner"].get(f"/customers/{cid}").json()
    assert owner_view["name"] != "被篡改的名字"
    contacts = people["owner"].get("/contacts", params={"customer_id": cid}).json()["items"]
    assert "不该存在" not in [c["name"] for c in contacts]


def test_roles_outside_sales(people, records):
    assert eventually(lambda: people["warehouse"].get(f"/orders/{records['order']}").status_code == 200,
                      timeout=15)
    # finance / warehouse see only their own service's events on a customer's timeline
    for role, service in (("finance", "billing"), ("warehouse", "inventory")):
        timeline = people[role].get("/timeline", params={"customer_id": records["customer"]})
        assert timeline.status_code in (200, 404), role
        if timeline.status_code == 200:
            services = {item["service"] for item in timeline.json()["items"]}
            assert services <= {service}, f"{role} sees {services}"
        assert people[role].get(f"/opportunities/{records['opportunity']}").status_code == 404, role
    for role in ("manager", "finance", "warehouse", "other_rep"):
        refused = people[role].post("/users", json={"username": f"x{uuid.uuid4().hex[:6]}",
                                                    "password": "pass-word-1", "role": "sales"})
        assert refused.status_code == 403, role
