"""A product import and its undo across the real inventory and sales services (PostgreSQL and
RabbitMQ, relays and consumers in threads): the import's products reach sales's copy; the
undo removes the created ones (sales keeps them as inactive, so they can no longer be
ordered), gives the changed one its prior price back (sales's copy follows); an import whose
product has stock moved is refused whole (409 import_in_use) and nothing changes."""

from __future__ import annotations

import io
import uuid

import pytest
import sqlalchemy as sa

from services.inventory.import_worker import ProductImportWorker
from shared.outbox import Outbox
from shared.testing.fixtures import eventually

pytestmark = pytest.mark.integration


def _import(saga, text: str, **form) -> str:
    r = saga.inventory.post("/imports/products", data={"file": (io.BytesIO(text.encode()), "p.csv"), **form},
                            content_type="multipart/form-data")
    assert r.status_code == 202, r.json
    return r.json["id"]


def _work(saga, job_id: str) -> dict:
    """The job worked through by inventory's product import worker: its state after."""
    assert ProductImportWorker(saga.inventory_engine, Outbox("inventory", "cn-east")).run_once(job_id)
    return saga.inventory.get(f"/products/imports/{job_id}").json


def _copy(saga, pid: str):
    with saga.sales_engine.connect() as conn:
        return conn.execute(sa.text("SELECT list_price, active FROM products WHERE id = :p"), {"p": pid}).first()


def _product(saga, sku: str) -> dict | None:
    found = [p for p in saga.inventory.get("/products", query_string={"q": sku}).json["items"] if p["sku"] == sku]
    return found[0] if found else None


def test_undo_removes_created_restores_changed_and_sales_follows(saga):
    tag = uuid.uuid4().hex[:8]
    kept = saga.product(f"旧泵{tag}", "100.00", 0)
    kept_sku = saga.inventory.get(f"/products/{kept}").json["sku"]
    text = ("编码,名称,单位,单价\n"
            f"{kept_sku},旧泵{tag},台,130\n"
            f"N-{tag}-1,新泵{tag}1,台,10\n"
            f"N-{tag}-2,新泵{tag}2,台,20\n")
    job = _work(saga, _import(saga, text, mode="upsert", match_on="sku"))
    assert (job["status"], job["created"], job["updated"]) == ("done", 2, 1), job
    made = [_product(saga, f"N-{tag}-{i}")["id"] for i in (1, 2)]
    eventually(lambda: all(_copy(saga, p) is not None for p in made)
               and str(_copy(saga, kept).list_price) == "130.00", timeout=30)

    r = saga.inventory.post(f"/products/imports/{job['id']}/undo")
    assert r.status_code == 202 and r.json["status"] == "undo_queued", r.json
    again = saga.inventory.post(f"/products/imports/{job['id']}/undo")
    assert again.status_code == 409 and again.json["error"]["code"] == "not_undoable"
    job = _work(saga, job["id"])
    assert (job["status"], job["undone"]) == ("undone", 3), job
    assert job["undone_at"] is not None
    assert all(_product(saga, f"N-{tag}-{i}") is None for i in (1, 2))
    assert saga.inventory.get(f"/products/{made[0]}").status_code == 404
    assert saga.inventory.get(f"/products/{kept}").json["list_price"] == "100.00"

    eventually(lambda: all(_copy(saga, p).active is False for p in made)
               and str(_copy(saga, kept).list_price) == "100.00", timeout=30)
    assert _copy(saga, kept).active is True
    # a removed product can no longer be ordered
    r = saga.sales.post("/orders", json={"customer_id": saga.customer_id,
                                         "lines": [{"product_id": made[0], "quantity": 1}]})
    assert r.status_code == 422, r.json
    # the SKUs are free again: the corrected file imports
    job = _work(saga, _import(saga, f"sku,name,unit,list_price\nN-{tag}-1,新泵{tag}1,台,11\n"))
    assert (job["status"], job["created"]) == ("done", 1), job


def test_undo_is_refused_whole_when_a_product_is_in_use(saga):
    tag = uuid.uuid4().hex[:8]
    job = _work(saga, _import(saga, f"sku,name,unit,list_price\nU-{tag}-1,用泵{tag}1,台,10\n"
                                    f"U-{tag}-2,用泵{tag}2,台,20\n"))
    assert job["created"] == 2
    used = _product(saga, f"U-{tag}-1")["id"]
    r = saga.inventory.post("/stock/receipts", json={"warehouse_id": saga.warehouse_id,
                                                     "lines": [{"product_id": used, "quantity": 3}]})
    assert r.status_code == 201, r.json
    r = saga.inventory.post(f"/products/imports/{job['id']}/undo")
    assert r.status_code == 409, r.json
    error = r.json["error"]
    assert error["code"] == "import_in_use" and f"U-{tag}-1" in error["message"]
    assert error["details"]["products"] == [{"sku": f"U-{tag}-1", "code": "stock", "reason": "stock has moved"}]
    assert _product(saga, f"U-{tag}-1") and _product(saga, f"U-{tag}-2")
    assert saga.inventory.get(f"/products/imports/{job['id']}").json["status"] == "done"
