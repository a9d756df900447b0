"""The product import as a background job: queued by POST /imports/products, claimed by the
worker (FOR UPDATE SKIP LOCKED), worked through in batches whose progress (processed of
total) shows while it runs; a worker killed after a batch is taken over and the job resumes
where it stopped (no product twice); a file past the old 5,000-row cap imports; the list and
the job view; an undo refused for a product changed since the import."""

from __future__ import annotations

import io
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from services.inventory.import_worker import ProductImportWorker

pytestmark = pytest.mark.integration


def _post(client, text: str, **form):
    return client.post("/imports/products", data={"file": (io.BytesIO(text.encode()), "p.csv"), **form},
                       content_type="multipart/form-data")


def _csv(tag: str, rows: int) -> str:
    return "sku,name,unit,list_price\n" + "".join(f"J-{tag}-{i},泵{tag}-{i},台,{i % 90 + 1}\n" for i in range(rows))


def _count(engine, tag: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM products WHERE sku LIKE :t"), {"t": f"J-{tag}-%"}).scalar()


class StopsAfterOneBatch(ProductImportWorker):
    """A worker that dies after its first batch has committed (its stop flag set)."""

    def _progress(self, conn, job, size, counts):
        super()._progress(conn, job, size, counts)
        self.stop()


def test_a_file_past_the_old_cap_runs_in_batches_and_resumes(admin, ctx, engine):
    tag = uuid.uuid4().hex[:8]
    r = _post(admin, _csv(tag, 6000))
    assert r.status_code == 202 and r.get_json()["status"] == "queued", r.get_json()
    job_id = r.get_json()["id"]

    assert StopsAfterOneBatch(ctx.engine, ctx.outbox, batch_size=1000).run_once(job_id)
    job = admin.get(f"/products/imports/{job_id}").get_json()
    assert (job["status"], job["processed"], job["total"], job["created"]) == ("running", 1000, 6000, 1000)
    assert admin.get(f"/products/imports/{job_id}/job").get_json()["kind"] == "import"
    assert _count(engine, tag) == 1000
    # the job is held (fresh heartbeat): another worker does not take it
    assert not ProductImportWorker(ctx.engine, ctx.outbox).run_once(job_id)

    # its heartbeat stale: the next worker resumes after the committed batch
    resumed = ProductImportWorker(ctx.engine, ctx.outbox, batch_size=2000, stale_after=0)
    assert resumed.run_once(job_id)
    job = admin.get(f"/products/imports/{job_id}").get_json()
    assert (job["status"], job["processed"], job["created"], job["duplicates"], job["error_count"]) == (
        "done", 6000, 6000, 0, 0), job
    assert _count(engine, tag) == 6000
    listed = admin.get("/products/imports", query_string={"per_page": 5}).get_json()
    assert job_id in [i["id"] for i in listed["items"]] and listed["total"] >= 1


def test_progress_is_visible_while_the_worker_runs(admin, ctx):
    tag = uuid.uuid4().hex[:8]
    job_id = _post(admin, _csv(tag, 20000)).get_json()["id"]
    worker = ProductImportWorker(ctx.engine, ctx.outbox, batch_size=200)
    thread = threading.Thread(target=worker.run_once, args=(job_id,))
    thread.start()
    seen = set()
    while thread.is_alive():
        job = admin.get(f"/products/imports/{job_id}").get_json()
        seen.add((job["status"], job["processed"]))
        time.sleep(0.01)
    thread.join()
    partial = [p for s, p in seen if s == "running" and 0 < p < 20000]
    assert partial, seen  # some batches seen committed before the end
    assert admin.get(f"/products/imports/{job_id}").get_json()["processed"] == 20000


def test_undo_refused_when_a_changed_product_changed_again(admin, ctx, world):
    pid = world.product(list_price="10.00")
    sku = admin.get(f"/products/{pid}").get_json()["sku"]
    job_id = _post(admin, f"sku,list_price\n{sku},12\n", mode="upsert").get_json()["id"]
    assert ProductImportWorker(ctx.engine, ctx.outbox).run_once(job_id)
    assert admin.patch(f"/products/{pid}", json={"name": f"改过 {sku}"}).status_code == 200
    r = admin.post(f"/products/imports/{job_id}/undo")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "import_in_use"
    assert r.get_json()["error"]["details"]["products"] == [{"sku": sku, "code": "changed", "reason": "it was changed after the import"}]
    assert admin.get(f"/products/{pid}").get_json()["list_price"] == "12.00"


def test_a_queued_import_is_not_undone(admin, ctx):
    tag = uuid.uuid4().hex[:8]
    job_id = _post(admin, _csv(tag, 2)).get_json()["id"]
    r = admin.post(f"/products/imports/{job_id}/undo")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "not_undoable"
    assert r.get_json()["error"]["details"] == {"status": "queued"}
    assert ProductImportWorker(ctx.engine, ctx.outbox).run_once(job_id)  # leaves no job queued
