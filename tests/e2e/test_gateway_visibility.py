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


# ---- issue 11.3: rules that hold, through the gateway ----------------------------------

def test_payment_decisions_follow_visibility_and_duty(people, records, admin):
    """POST /payments/{id}/confirm and /reject: invisible -> 404; visible but not finance
    -> 403; finance on an already confirmed payment -> 409."""
    order = people["owner"].get(f"/orders/{records['order']}").json()

    def paid():
        r = people["finance"].post("/payments", json={"customer_id": records["customer"], "order_id": order["id"],
                                                      "amount": "1.00", "method": "bank_transfer"})
        return r.json() if r.status_code == 201 else None

    payment = eventually(paid, timeout=20)
    assert payment["status"] == "confirmed"
    expected = {"other_rep": 404, "other_manager": 404, "warehouse": 404, "owner": 403, "manager": 403,
                "finance": 409, "admin": 409}
    for role, status in expected.items():
        for action in ("confirm", "reject"):
            r = people[role].post(f"/payments/{payment['id']}/{action}")
            assert r.status_code == status, f"{role} {action}: {r.status_code} {r.text}"
            assert r.json()["error"]["code"]
    for role in ("owner", "manager"):  # the rep's side may read it, not record one
        assert people[role].get(f"/payments/{payment['id']}").status_code == 200
        r = people[role].post("/payments", json={"customer_id": records["customer"], "amount": "1.00",
                                                 "method": "cash"})
        assert r.status_code == 403, role


def test_a_shared_customers_timeline_shows_that_an_expense_was_filed_not_what(people):
    owner, other = people["owner"], people["other_rep"]
    cid = owner.post("/customers", json={"name": f"共享费用测试有限公司{uuid.uuid4().hex[:8]}"}).json()["id"]
    claim = eventually(lambda: (lambda r: r.json() if r.status_code == 201 else None)(
        owner.post("/expenses", json={"amount": "4321.00", "category": "差旅", "description": "北京机票往返",
                                      "customer_id": cid})), timeout=20)
    assert eventually(lambda: owner.post(f"/customers/{cid}/shares",
                                         json={"user_id": other.user["id"]}).status_code == 201, timeout=20)
    assert other.get(f"/expenses/{claim['id']}").status_code == 404

    def entry(client):
        r = client.get("/timeline", params={"customer_id": cid, "type": "billing.expense.submitted"})
        items = r.json()["items"] if r.status_code == 200 else []
        return items[0] if items else None

    shown = eventually(lambda: entry(other), timeout=20)
    assert shown["redacted"] is True and shown["actor_id"] == owner.user["id"]
    text = str(shown)
    assert "4321" not in text and "北京机票往返" not in text and "差旅" not in text
    audit = other.get("/audit", params={"type": "billing.expense.submitted", "customer_id": cid}).json()["items"]
    assert audit and "4321" not in str(audit)
    for role in ("owner", "manager", "admin", "finance"):
        full = eventually(lambda role=role: entry(people[role]), timeout=20)
        assert full["redacted"] is False and full["data"]["amount"] == "4321.00", role


def test_cost_prices_and_price_changes_by_role(people, admin):
    product = admin.post("/products", json={"sku": f"COST-{uuid.uuid4().hex[:8]}", "name": f"成本测试{uuid.uuid4().hex[:6]}",
                                            "unit": "个", "list_price": "100.00", "cost_price": "61.00"}).json()
    for role, sees in (("admin", True), ("finance", True), ("manager", True), ("owner", False), ("warehouse", False)):
        one = people[role].get(f"/products/{product['id']}").json()
        listed = people[role].get("/products", params={"q": product["sku"]}).json()["items"]
        assert ("cost_price" in one) is sees and all(("cost_price" in i) is sees for i in listed), role
    keeper = people["warehouse"]
    for change in ({"list_price": "0.01"}, {"cost_price": "1.00"}):
        r = keeper.patch(f"/products/{product['id']}", json=change)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", change
    assert keeper.patch(f"/products/{product['id']}", json={"safety_stock": 4}).status_code == 200
    after = admin.get(f"/products/{product['id']}").json()
    assert (after["list_price"], after["cost_price"], after["safety_stock"]) == ("100.00", "61.00", 4)


def test_owner_id_is_someone_the_caller_may_assign_to(people, records):
    other = people["other_rep"]
    cid = other.post("/customers", json={"name": f"栽赃测试有限公司{uuid.uuid4().hex[:8]}"}).json()["id"]
    body = {"customer_id": cid, "name": "栽赃", "amount": "1.00", "stage": "won"}

    def attempt(owner_id):  # a list: a 4xx requests.Response is falsy
        r = other.post("/opportunities", json={**body, "owner_id": owner_id})
        return None if r.status_code == 422 and "customer_id" in r.json()["error"]["details"] else [r]

    [planted] = eventually(lambda: attempt(people["owner"].user["id"]), timeout=20)
    assert planted.status_code == 403, planted.text
    [nobody] = attempt(str(uuid.uuid4()))
    assert nobody.status_code == 422 and "owner_id" in nobody.json()["error"]["details"]
    customer = other.post("/customers", json={"name": f"栽赃客户{uuid.uuid4().hex[:8]}",
                                              "owner_id": people["owner"].user["id"]})
    assert customer.status_code == 403
    transfer = other.post(f"/customers/{cid}/transfer", json={"owner_id": people["owner"].user["id"]})
    assert transfer.status_code == 403
