"""Product imports through the gateway (API.md "Data in and out"): POST /imports/products goes to
inventory, GET /imports/{id} and its error_file find the product import after the customer
service answers 404, an upsert changes only the mapped column, the product imports show in
GET /imports and GET /jobs/{id}, each undo restores (upsert) or removes (create), a product in
use makes the undo 409 with the reason, and a customer import's job is still the customer
service's."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e


def _finished(client, job_id: str) -> dict:
    def check():
        r = client.get(f"/imports/{job_id}")
        assert r.status_code == 200, r.text
        job = r.json()
        return job if job["status"] in ("done", "failed") else None
    return eventually(check, timeout=60, interval=0.3)


def _product(client, sku: str) -> dict:
    [found] = [p for p in client.get("/products", params={"q": sku}).json()["items"] if p["sku"] == sku]
    return found


_TYPES = {"string": str, "integer": int, "array": list, "object": dict, "boolean": bool}


def _shaped_as_documented(client, job: dict) -> None:
    """The product import answers GET /imports/{id} with the fields (and types) the merged
    OpenAPI document gives that call (the customer service's import job)."""
    doc = client.get("/openapi.json").json()
    ref = doc["paths"]["/api/v1/imports/{job_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    schema = doc["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    assert set(job) == set(schema["properties"]), set(job) ^ set(schema["properties"])
    for name, prop in schema["properties"].items():
        if job[name] is None:
            assert prop.get("nullable"), name
        elif prop.get("type") in _TYPES:
            assert isinstance(job[name], _TYPES[prop["type"]]), (name, job[name])
        if "enum" in prop and job[name] is not None:
            assert job[name] in prop["enum"], name


def test_product_import_upsert_and_error_file_through_the_gateway(admin):
    tag = uuid.uuid4().hex[:8]
    text = ("产品编号,产品名称,规格,单位,售价,成本\n"
            f"E-{tag}-1,离心泵{tag},100L,台,1200.5,800\n"
            f"E-{tag}-2,阀门{tag},,个,abc,\n")
    r = admin.post("/imports/products", files={"file": ("产品.csv", text.encode("gbk"), "text/csv")})
    assert r.status_code == 202, r.text
    job = _finished(admin, r.json()["id"])
    assert (job["kind"], job["created"], job["error_count"]) == ("products", 1, 1), job
    _shaped_as_documented(admin, job)
    made = _product(admin, f"E-{tag}-1")
    assert (made["name"], made["spec"], made["list_price"], made["cost_price"]) == (
        f"离心泵{tag}", "100L", "1200.50", "800.00")

    errors = admin.get(job["error_file"])
    assert errors.status_code == 200 and errors.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(errors.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "error" and rows[1][0] == f"E-{tag}-2" and "list_price" in rows[1][-1]

    update = f"产品编号,产品名称,售价\nE-{tag}-1,改名{tag},999\n".encode("gbk")
    r = admin.post("/imports/products", files={"file": ("p.csv", update, "text/csv")},
                   data={"mode": "upsert", "match_on": "sku",
                         "mapping": json.dumps({"产品编号": "sku", "产品名称": None, "售价": "list_price"})})
    assert r.status_code == 202, r.text
    upsert = _finished(admin, r.json()["id"])
    assert (upsert["updated"], upsert["created"], upsert["error_file"]) == (1, 0, None), upsert
    after = _product(admin, f"E-{tag}-1")
    assert (after["list_price"], after["name"], after["spec"], after["cost_price"]) == (
        "999.00", f"离心泵{tag}", "100L", "800.00")

    # the product import in GET /imports (merged with the customer service's) and GET /jobs/{id}
    listed = admin.get("/imports", params={"per_page": 200}).json()
    assert {job["id"], upsert["id"]} <= {i["id"] for i in listed["items"]}
    assert [i["kind"] for i in listed["items"] if i["id"] == upsert["id"]] == ["products"]
    stamps = [i["created_at"] for i in listed["items"]]
    assert stamps == sorted(stamps, reverse=True)
    as_job = admin.get(f"/jobs/{upsert['id']}")
    assert as_job.status_code == 200, as_job.text
    assert (as_job.json()["kind"], as_job.json()["processed"], as_job.json()["total"]) == ("import", 1, 1)

    # undo the upsert: the product gets its prior price back
    r = admin.post(f"/imports/{upsert['id']}/undo")
    assert r.status_code == 202 and r.json()["status"] == "undo_queued", r.text
    assert eventually(lambda: admin.get(f"/imports/{upsert['id']}").json()["status"] == "undone", timeout=60)
    assert _product(admin, f"E-{tag}-1")["list_price"] == "1200.50"
    # undo the first import: its product is gone
    r = admin.post(f"/imports/{job['id']}/undo")
    assert r.status_code == 202, r.text
    undone = eventually(lambda: (lambda j: j if j["status"] == "undone" else None)(
        admin.get(f"/imports/{job['id']}").json()), timeout=60)
    assert undone["undone"] == 1
    assert admin.get(f"/products/{made['id']}").status_code == 404
    # an id neither service knows is a 404; a sales rep does not see the admin's product import
    assert admin.get(f"/imports/{uuid.uuid4()}").status_code == 404
    assert admin.create_user("sales").get(f"/imports/{upsert['id']}").status_code == 404
    # a customer import's job is still answered by the customer service
    r = admin.post("/imports/customers", files={"file": ("c.csv", f"name\n产品导入公司{tag}\n".encode(), "text/csv")})
    assert r.status_code == 202 and _finished(admin, r.json()["id"])["kind"] == "customers"


def test_product_import_in_use_is_not_undone_through_the_gateway(admin):
    tag = uuid.uuid4().hex[:8]
    text = f"sku,name,unit,list_price\nW-{tag},用泵{tag},台,10\n"
    r = admin.post("/imports/products", files={"file": ("p.csv", text.encode(), "text/csv")})
    assert r.status_code == 202, r.text
    job = _finished(admin, r.json()["id"])
    product = _product(admin, f"W-{tag}")
    wh = admin.post("/warehouses", json={"code": f"W-{tag}", "name": "仓"})
    assert wh.status_code == 201, wh.text
    r = admin.post("/stock/receipts", json={"warehouse_id": wh.json()["id"],
                                            "lines": [{"product_id": product["id"], "quantity": 2}]})
    assert r.status_code == 201, r.text
    r = admin.post(f"/imports/{job['id']}/undo")
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "import_in_use"
    assert r.json()["error"]["details"]["products"] == [{"sku": f"W-{tag}", "code": "stock", "reason": "stock has moved"}]
    assert _product(admin, f"W-{tag}")["id"] == product["id"]
