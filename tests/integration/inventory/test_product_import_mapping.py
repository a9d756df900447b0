"""POST /imports/products over HTTP: Chinese headers in GBK, the caller's mapping, upsert by SKU
or name changing only the mapped columns, the error file, events and roles."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest

from services.inventory.import_worker import ProductImportWorker

pytestmark = pytest.mark.integration


def _post(client, text: str, *, encoding: str = "utf-8", **form):
    data = {"file": (io.BytesIO(text.encode(encoding)), "p.csv"), **form}
    return client.post("/imports/products", data=data, content_type="multipart/form-data")


def _work(ctx, r) -> str:
    """The queued import worked through by the product import worker (as its thread in the
    consumer process would): its id."""
    job_id = r.get_json()["id"]
    assert ProductImportWorker(ctx.engine, ctx.outbox).run_once(job_id)
    return job_id


def _find(client, sku: str) -> dict:
    [found] = [p for p in client.get("/products", query_string={"q": sku}).get_json()["items"] if p["sku"] == sku]
    return found


def test_chinese_gbk_headers_create_and_error_file(admin, world, ctx):
    tag = uuid.uuid4().hex[:8]
    text = ("产品编号,品名,型号,单位,单价,成本,备注\n"
            f"M-{tag}-1,水泵{tag},A1,台,120.5,80,随便\n"
            f"M-{tag}-2,阀门{tag},,个,abc,,坏价格\n"
            f"M-{tag}-3,,,个,3,,缺名称\n")
    r = _post(admin, text, encoding="gbk")
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["status"] == "queued" and set(r.get_json()) == {"id", "status"}
    assert admin.get(f"/products/imports/{r.get_json()['id']}").get_json()["status"] == "queued"
    job = admin.get(f"/products/imports/{_work(ctx, r)}").get_json()
    assert (job["status"], job["kind"], job["mode"], job["total"], job["created"], job["updated"]) == (
        "done", "products", "create", 3, 1, 0)
    assert [e["row"] for e in job["errors"]] == [3, 4] and job["error_count"] == 2
    assert job["error_file"] == f"/imports/{job['id']}/error_file"
    assert "cells" not in job["errors"][0]
    made = _find(admin, f"M-{tag}-1")
    assert (made["name"], made["spec"], made["list_price"], made["cost_price"]) == (f"水泵{tag}", "A1", "120.50", "80.00")
    assert world.events("inventory.product.created", sku=f"M-{tag}-1")

    errors = admin.get(f"/products/imports/{job['id']}/error_file")
    assert errors.status_code == 200 and errors.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(errors.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["产品编号", "品名", "型号", "单位", "单价", "成本", "备注", "error"]
    assert rows[1][:2] == [f"M-{tag}-2", f"阀门{tag}"] and rows[1][-1].startswith("row 3: list_price")
    assert rows[2][0] == f"M-{tag}-3" and rows[2][-1] == "row 4: missing name"


def test_upsert_changes_only_the_mapped_columns(admin, world, ctx):
    tag = uuid.uuid4().hex[:8]
    sku = f"U-{tag}"
    first = _post(admin, f"SKU,Product Name,Spec,Unit,List Price,Cost\n{sku},泵{tag},S1,台,100,60\n")
    assert first.status_code == 202
    _work(ctx, first)
    before = _find(admin, sku)
    # only the price column is mapped; the name column is ignored by the caller's mapping
    text = f"编码,名称,价格\n{sku.lower()},改名{tag},150\nNEW-{tag},新品{tag},1\n"
    r = _post(admin, text, mode="upsert", match_on="sku",
              mapping=json.dumps({"编码": "sku", "名称": None, "价格": "list_price"}))
    assert r.status_code == 202, r.get_json()
    job = admin.get(f"/products/imports/{_work(ctx, r)}").get_json()
    assert (job["mode"], job["match_on"], job["updated"], job["created"]) == ("upsert", "sku", 1, 0)
    # a row that matches nothing needs every field of a new product
    assert [e["row"] for e in job["errors"]] == [3] and "missing" in job["errors"][0]["message"]
    after = _find(admin, sku)
    assert after["list_price"] == "150.00"
    assert {k: after[k] for k in ("name", "spec", "unit", "cost_price")} == \
        {k: before[k] for k in ("name", "spec", "unit", "cost_price")}
    [event] = world.events("inventory.product.updated", id=after["id"])
    assert event["data"]["list_price"] == "150.00"

    # upsert by name: the name's product gets the row's spec
    r = _post(admin, f"品名,规格\n泵{tag},S2\n", mode="upsert", match_on="name")
    assert r.status_code == 202, r.get_json()
    _work(ctx, r)
    assert _find(admin, sku)["spec"] == "S2" and _find(admin, sku)["list_price"] == "150.00"


def test_bad_form_and_mapping_are_422_and_roles_are_kept(admin, clients, ctx):
    text = "sku,name,unit,list_price\nZ-1,泵,台,1\n"
    assert _post(admin, text, mode="replace").status_code == 422
    assert _post(admin, text, match_on="phone").status_code == 422
    r = _post(admin, text, mapping="{not json")
    assert r.status_code == 422 and "mapping" in r.get_json()["error"]["details"]
    r = _post(admin, text, mapping=json.dumps({"nope": "sku"}))
    assert r.status_code == 422 and "nope" in r.get_json()["error"]["details"]["mapping"]
    r = _post(admin, "名称,单价\n泵,1\n", mode="upsert", match_on="sku")
    assert r.status_code == 422  # the match key has no column
    assert _post(clients.as_new("sales"), text).status_code == 403
    keeper = clients.as_new("warehouse")
    tag = uuid.uuid4().hex[:8]
    r = _post(keeper, f"sku,name,unit,list_price,cost_price\nK-{tag},泵,台,1,5\n")
    assert r.status_code == 403  # the warehouse does not set costs (as before)
    r = _post(keeper, f"sku,name,unit,list_price\nK-{tag},泵{tag},台,1\n")
    assert r.status_code == 202
    iid = _work(ctx, r)
    assert clients.as_new("sales").get(f"/products/imports/{iid}").status_code == 404
    assert clients.as_new("sales").post(f"/products/imports/{iid}/undo").status_code == 403
