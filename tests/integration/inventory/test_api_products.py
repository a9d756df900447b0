"""Products and warehouses over HTTP: create, duplicates, search, patch, import, roles, errors."""

from __future__ import annotations

import io
import uuid

import pytest
from openpyxl import Workbook

pytestmark = pytest.mark.integration


def _product(tag: str | None = None, **kw):
    tag = tag or uuid.uuid4().hex[:10]
    return {"sku": f"P-{tag}", "name": f"离心泵 {tag}", "spec": "100L/min", "unit": "台", "list_price": "1200.5",
            "cost_price": 800, "safety_stock": 3, **kw}


def test_create_read_and_event(admin, world):
    body = _product()
    r = admin.post("/products", json=body)
    assert r.status_code == 201, r.get_json()
    p = r.get_json()
    assert p["list_price"] == "1200.50" and p["cost_price"] == "800.00" and p["name"] == body["name"]
    assert p["active"] is True and p["safety_stock"] == 3
    assert admin.get(f"/products/{p['id']}").get_json()["sku"] == body["sku"]
    [event] = world.events("inventory.product.created", id=p["id"])
    assert event["data"]["list_price"] == "1200.50" and event["data"]["unit"] == "台"


def test_duplicate_sku_or_name_spec_is_409(admin):
    body = _product()
    first = admin.post("/products", json=body).get_json()
    r = admin.post("/products", json={**body, "name": "另一个名字"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "duplicate_product"
    assert r.get_json()["error"]["details"]["existing_id"] == first["id"]
    r = admin.post("/products", json={**body, "sku": body["sku"].lower() + "x"})  # same name and spec
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "duplicate_product"
    r = admin.post("/products", json={**body, "sku": body["sku"] + "-2", "spec": "200L/min"})
    assert r.status_code == 201


def test_validation_errors(admin):
    r = admin.post("/products", json={"sku": "", "unit": "台", "list_price": "abc", "safety_stock": -1})
    assert r.status_code == 422
    details = r.get_json()["error"]["details"]
    assert {"sku", "name", "list_price", "safety_stock"} <= set(details)
    r = admin.post("/products", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "malformed_json"
    assert admin.get("/products/not-a-uuid").status_code == 404
    assert admin.get(f"/products/{uuid.uuid4()}").status_code == 404
    assert admin.get("/products?per_page=500").status_code == 422


def test_search_and_paging(admin):
    tag = uuid.uuid4().hex[:8]
    for i in range(3):
        assert admin.post("/products", json=_product(f"{tag}{i}", name=f"变频器{tag}-{i}")).status_code == 201
    r = admin.get("/products", query_string={"q": f"变频器{tag}", "per_page": 2})
    body = r.get_json()
    assert body["total"] == 3 and len(body["items"]) == 2 and body["per_page"] == 2
    page2 = admin.get("/products", query_string={"q": f"变频器{tag}", "per_page": 2, "page": 2}).get_json()
    assert len(page2["items"]) == 1
    assert {i["id"] for i in body["items"]}.isdisjoint({i["id"] for i in page2["items"]})
    by_sku = admin.get("/products", query_string={"q": f"P-{tag}1"}).get_json()
    assert [i["sku"] for i in by_sku["items"]] == [f"P-{tag}1"]
    assert admin.get("/products", query_string={"q": "%_"}).status_code == 200


def test_patch_publishes_snapshot_and_keeps_uniqueness(admin, world):
    a = admin.post("/products", json=_product()).get_json()
    b = admin.post("/products", json=_product()).get_json()
    r = admin.patch(f"/products/{a['id']}", json={"list_price": "99.90", "active": False})
    assert r.status_code == 200 and r.get_json()["list_price"] == "99.90" and r.get_json()["active"] is False
    [updated] = world.events("inventory.product.updated", id=a["id"])
    assert updated["data"]["list_price"] == "99.90" and updated["data"]["active"] is False
    r = admin.patch(f"/products/{a['id']}", json={"sku": b["sku"]})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "duplicate_product"
    assert admin.patch(f"/products/{a['id']}", json={"name": None}).status_code == 422
    assert admin.patch(f"/products/{uuid.uuid4()}", json={"name": "x"}).status_code == 404


def test_roles_for_product_writes(clients):
    for role in ("sales", "manager", "finance"):
        c = clients.as_new(role)
        r = c.post("/products", json=_product())
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
        assert c.get("/products").status_code == 200          # every role reads products
    keeper = clients.as_new("warehouse")
    assert keeper.post("/products", json=_product(cost_price=None)).status_code == 201


# ---- prices: not the warehouse's; costs: admin, finance, managers only -----------------

def test_the_warehouse_cannot_change_list_or_cost_prices(admin, clients, world):
    """The attack: a warehouse user PATCHes the list price (and the cost price) of a
    product. 403 in the error body naming the fields; nothing changes, no event."""
    keeper = clients.as_new("warehouse")
    p = admin.post("/products", json=_product()).get_json()
    for change in ({"list_price": "0.01"}, {"cost_price": "1.00"}, {"list_price": "999", "name": "改名"},
                   {"cost_price": None}):
        r = keeper.patch(f"/products/{p['id']}", json=change)
        assert r.status_code == 403, (change, r.get_json())
        body = r.get_json()["error"]
        assert body["code"] == "forbidden" and set(body["details"]) == set(change) - {"name"}
    after = admin.get(f"/products/{p['id']}").get_json()
    assert (after["list_price"], after["cost_price"], after["name"]) == ("1200.50", "800.00", p["name"])
    assert len(world.events("inventory.product.updated", id=p["id"])) == 0
    # other fields as before; sending the unchanged list price along is no price change
    r = keeper.patch(f"/products/{p['id']}", json={"safety_stock": 9, "list_price": "1200.50", "spec": "新规格"})
    assert r.status_code == 200 and r.get_json()["safety_stock"] == 9 and r.get_json()["spec"] == "新规格"
    # nor does the warehouse set a cost when it creates or imports products
    r = keeper.post("/products", json=_product())
    assert r.status_code == 403 and "cost_price" in r.get_json()["error"]["details"]
    csv_text = f"sku,name,unit,list_price,cost_price\nW-{uuid.uuid4().hex[:8]},导入品,个,10,5\n"
    r = keeper.post("/products/imports", data={"file": (io.BytesIO(csv_text.encode()), "p.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 403
    # admin still sets prices
    r = admin.patch(f"/products/{p['id']}", json={"list_price": "1100", "cost_price": "700"})
    assert r.status_code == 200 and (r.get_json()["list_price"], r.get_json()["cost_price"]) == ("1100.00", "700.00")


@pytest.mark.parametrize("role,sees", [("admin", True), ("finance", True), ("manager", True),
                                       ("sales", False), ("warehouse", False)])
def test_cost_prices_only_for_admin_finance_and_managers(admin, clients, role, sees):
    p = admin.post("/products", json=_product()).get_json()
    caller = clients.as_new(role)
    one = caller.get(f"/products/{p['id']}").get_json()
    listed = [i for i in caller.get("/products", query_string={"q": p["sku"]}).get_json()["items"]]
    assert listed and all(i["id"] == p["id"] for i in listed)
    for answer in (one, listed[0]):
        assert ("cost_price" in answer) is sees, (role, answer)
        assert answer["list_price"] == "1200.50"
        if sees:
            assert answer["cost_price"] == "800.00"
    if role == "warehouse":  # what it writes comes back without the cost either
        patched = caller.patch(f"/products/{p['id']}", json={"safety_stock": 1}).get_json()
        created = caller.post("/products", json=_product(cost_price=None)).get_json()
        assert "cost_price" not in patched and "cost_price" not in created


def test_import_csv_and_xlsx(admin, world):
    tag = uuid.uuid4().hex[:8]
    existing = admin.post("/products", json=_product(f"{tag}dup")).get_json()
    csv_text = ("sku,name,spec,unit,list_price,cost_price,safety_stock\n"
                f"I-{tag}-1,电机{tag},5kW,台,300,200,2\n"
                f"{existing['sku']},重复,,台,1,,\n"
                f"I-{tag}-3,,,台,1,,\n"
                f"I-{tag}-4,阀门{tag},,个,abc,,\n")
    r = admin.post("/products/imports", data={"file": (io.BytesIO(csv_text.encode("utf-8-sig")), "p.csv")},
                   content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    job = r.get_json()
    assert (job["total"], job["created"], job["duplicates"]) == (4, 1, 1)
    assert [e["row"] for e in job["errors"]] == [4, 5]
    assert admin.get(f"/products/imports/{job['id']}").get_json()["created"] == 1
    assert world.events("inventory.product.created", sku=f"I-{tag}-1")

    wb = Workbook()
    ws = wb.active
    ws.append(["编码", "名称", "规格", "单位", "售价", "安全库存"])
    ws.append([f"X-{tag}", f"齿轮{tag}", "M3", "个", 12.5, 10])
    buf = io.BytesIO()
    wb.save(buf)
    r = admin.post("/products/imports", data={"file": (io.BytesIO(buf.getvalue()), "p.xlsx")},
                   content_type="multipart/form-data")
    assert r.status_code == 201 and r.get_json()["created"] == 1
    found = admin.get("/products", query_string={"q": f"X-{tag}"}).get_json()["items"]
    assert found[0]["list_price"] == "12.50" and found[0]["safety_stock"] == 10

    bad = admin.post("/products/imports", data={"file": (io.BytesIO(b"a,b\n1,2\n"), "p.csv")},
                     content_type="multipart/form-data")
    assert bad.status_code == 422
    assert admin.post("/products/imports", data={}, content_type="multipart/form-data").status_code == 422


def test_warehouses(admin, clients):
    code = f"SH-{uuid.uuid4().hex[:6]}"
    r = admin.post("/warehouses", json={"code": code, "name": "上海仓", "region": "cn-east"})
    assert r.status_code == 201
    wid = r.get_json()["id"]
    assert admin.post("/warehouses", json={"code": code.lower(), "name": "x"}).status_code == 409
    assert admin.post("/warehouses", json={"name": "x"}).status_code == 422
    sales = clients.as_new("sales")
    assert sales.post("/warehouses", json={"code": "Z" + code, "name": "x"}).status_code == 403
    assert sales.get(f"/warehouses/{wid}").get_json()["region"] == "cn-east"
    assert sales.get("/warehouses", query_string={"region": "cn-east"}).get_json()["total"] >= 1
    assert admin.get(f"/warehouses/{uuid.uuid4()}").status_code == 404


def test_patch_warehouse(admin, clients):
    wid = admin.post("/warehouses", json={"code": f"P-{uuid.uuid4().hex[:6]}", "name": "旧名"}).get_json()["id"]
    r = admin.patch(f"/warehouses/{wid}", json={"name": "新名", "active": False})
    assert r.status_code == 200 and r.get_json()["name"] == "新名" and r.get_json()["active"] is False
    assert admin.patch(f"/warehouses/{wid}", json={"active": None}).status_code == 422
    assert clients.as_new("sales").patch(f"/warehouses/{wid}", json={"name": "x"}).status_code == 403
    assert admin.patch(f"/warehouses/{uuid.uuid4()}", json={"name": "x"}).status_code == 404
