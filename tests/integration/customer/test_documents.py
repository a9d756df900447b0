"""Documents against a real database and a real folder store: limits (413 in the error body,
programs refused even renamed, names neutralised), visibility (a rep never reaches another
rep's customer's document, by id, content, list or search; the knowledge base is everyone's;
documents on a sales record follow that record's customer, known from sales' events), soft
delete and restore, the checksum stored and verified, the timeline events."""

from __future__ import annotations

import hashlib
import io
import time
import uuid

import pytest
import sqlalchemy as sa

from services.customer.handlers import handler_table
from shared import events
from shared.consumer import run_handlers_directly, topic_match
from shared.envelope import Envelope
from shared.events import sales as sales_events
from shared.outbox import Outbox
from shared.storage import LocalFolderStore
from shared.testing.timing import Timed, later
from tests.integration.customer.conftest import outbox_events
from tests.unit.shared import doc_samples as samples

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def store(app, tmp_path_factory):
    folder = LocalFolderStore(tmp_path_factory.mktemp("documents"))
    app.extensions["document_store"] = folder
    return folder


def upload(client, data: bytes, filename: str, **fields):
    form = {"file": (io.BytesIO(data), filename), **{k: v for k, v in fields.items() if v is not None}}
    return client.post("/documents", data=form, content_type="multipart/form-data")


def new_customer(client, prefix: str = "文档客户") -> str:
    r = client.post("/customers", json={"name": f"{prefix}{uuid.uuid4().hex[:8]}"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def ok(r, status: int = 200) -> dict:
    assert r.status_code == status, r.get_json()
    return r.get_json()


def error(r, status: int, code: str) -> dict:
    body = r.get_json()
    assert r.status_code == status, body
    assert body["error"]["code"] == code, body
    return body["error"]


def ids(r) -> set[str]:
    return {d["id"] for d in ok(r)["items"]}


def document_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM documents")).scalar()


def sales_record_arrives(engine, event_type: str, data: dict, seq: int = 1) -> None:
    env = Envelope(event_type=event_type, aggregate_type=event_type.split(".")[1], aggregate_id=data["id"],
                   aggregate_seq=seq, data=data, producer="sales", region="cn-east",
                   customer_id=data["customer_id"])
    run_handlers_directly(engine, handler_table(), Outbox("customer", "cn-east"), [env])


def quote_data(customer_id: str) -> dict:
    return {**sales_events._QUOTE, "id": str(uuid.uuid4()), "customer_id": customer_id,
            "number": f"QT-{uuid.uuid4().hex[:6]}"}


# ---- upload, download, checksum --------------------------------------------------------

def test_upload_under_a_customer_and_download_it_back(people, engine, store):
    cid = new_customer(people.sales)
    doc = ok(upload(people.sales, samples.PDF, "技术方案书.pdf", customer_id=cid, tags="方案，报价"), 201)
    assert doc["title"] == "技术方案书" and doc["filename"] == "技术方案书.pdf"
    assert doc["content_type"] == "application/pdf" and doc["size"] == len(samples.PDF)
    assert doc["sha256"] == hashlib.sha256(samples.PDF).hexdigest()
    assert doc["customer_id"] == cid and doc["knowledge_base"] is False and doc["tags"] == ["方案", "报价"]
    with engine.connect() as conn:
        key = conn.execute(sa.text("SELECT storage_key FROM documents WHERE id = :i"), {"i": doc["id"]}).scalar()
    assert key == f"documents/{doc['id'][:2]}/{doc['id']}"  # never the uploader's name
    assert store.get(key) == samples.PDF

    r = people.sales.get(f"/documents/{doc['id']}/content")
    assert r.status_code == 200 and r.data == samples.PDF
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E6%8A%80%E6%9C%AF" in r.headers["Content-Disposition"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["ETag"] == f'"{doc["sha256"]}"'
    inline = people.sales.get(f"/documents/{doc['id']}/content?inline=1")
    assert inline.headers["Content-Disposition"].startswith("inline;")

    [event] = outbox_events(engine, "customer.document.uploaded", doc["id"])
    assert event["customer_id"] == cid and event["data"]["sha256"] == doc["sha256"]
    assert event["data"]["title"] == "技术方案书"


def test_the_checksum_is_verified_on_every_download(people, engine, store):
    cid = new_customer(people.sales)
    doc = ok(upload(people.sales, "原始内容".encode(), "纪要.txt", customer_id=cid), 201)
    key = f"documents/{doc['id'][:2]}/{doc['id']}"
    store.put(key, "被改过的内容".encode())  # changed behind the service's back
    error(people.sales.get(f"/documents/{doc['id']}/content"), 500, "document_corrupt")
    store.delete(key)
    error(people.sales.get(f"/documents/{doc['id']}/content"), 500, "document_missing")
    store.put(key, "原始内容".encode())
    assert people.sales.get(f"/documents/{doc['id']}/content").data == "原始内容".encode()


def test_too_large_is_413_in_the_error_body_and_stores_nothing(people, engine, store, monkeypatch):
    monkeypatch.setenv("CRM_DOCUMENT_MAX_BYTES", "1000")
    cid = new_customer(people.sales)
    before = document_count(engine)
    err = error(upload(people.sales, samples.PDF + b"0" * 1000, "大文件.pdf", customer_id=cid),
                413, "payload_too_large")
    assert err["details"] == {"max_bytes": 1000}
    # far past the cap: refused from Content-Length before the body is read
    error(upload(people.sales, b"0" * 200_000, "huge.txt", customer_id=cid), 413, "payload_too_large")
    assert document_count(engine) == before
    assert ok(upload(people.sales, b"x" * 1000, "exactly.txt", customer_id=cid), 201)["size"] == 1000


@pytest.mark.parametrize(("data", "name"), [
    (samples.PE, "发票.pdf"), (samples.ELF, "report.docx"), (samples.MACHO, "photo.jpg"),
    (samples.SCRIPT, "readme.txt"), (samples.zip_of({"setup.exe": b"x"}), "资料.zip"),
    (samples.docx(macros=True), "宏.docx"), (bytes(range(256)) * 8, "data.pdf"),
])
def test_programs_and_unknown_content_are_422_whatever_the_name(people, engine, store, data, name):
    before = len(list(store.root.rglob("*"))) if store.root.exists() else 0
    count = document_count(engine)
    err = error(upload(people.sales, data, name), 422, "refused_type")
    assert "file" in err["details"]
    assert document_count(engine) == count
    assert (len(list(store.root.rglob("*"))) if store.root.exists() else 0) == before


def test_path_like_and_hostile_names_are_neutralised(people, store):
    cid = new_customer(people.sales)
    cases = [("../../../etc/passwd", samples.PDF, "passwd.pdf"),
             ("../..//./报价单.pdf", samples.PDF, "报价单.pdf"),
             ("invoice.exe", samples.PDF, "invoice.exe.pdf"),
             ("\u202etxt.exe", "说明".encode(), "txt.exe.txt"),
             ("run.bat", b"@echo off\r\ndel *.*\r\n", "run.bat.txt")]
    for name, data, stored in cases:
        doc = ok(upload(people.sales, data, name, customer_id=cid), 201)
        assert doc["filename"] == stored, name
        assert not doc["filename"].startswith(".") and "/" not in doc["filename"] and "\\" not in doc["filename"]
        assert "filename*=UTF-8''" in people.sales.get(f"/documents/{doc['id']}/content").headers[
            "Content-Disposition"]
    # backslashes: werkzeug's multipart parser reads `\x` as an escaped x, so a Windows path
    # arrives without them; whatever arrives, no path part and no leading dots are kept
    doc = ok(upload(people.sales, samples.PDF, "..\\..\\Windows\\报价单.pdf", customer_id=cid), 201)
    assert doc["filename"].endswith("报价单.pdf") and not doc["filename"].startswith(".")
    assert "\\" not in doc["filename"] and "/" not in doc["filename"]
    assert not any(".." in p.name or p.name.endswith((".pdf", ".exe", ".txt")) for p in store.root.rglob("*"))


# ---- visibility -----------------------------------------------------------------------

def test_a_rep_never_reaches_another_reps_customers_document(people, store):
    cid = new_customer(people.sales)
    tag = uuid.uuid4().hex[:8]
    doc = ok(upload(people.sales, samples.PDF, f"机密报价{tag}.pdf", customer_id=cid, tags=f"机密{tag}"), 201)
    path = f"/documents/{doc['id']}"
    for outsider in (people.other, people.manager2, people.finance, people.warehouse):
        error(outsider.get(path), 404, "not_found")
        error(outsider.get(path + "/content"), 404, "not_found")
        assert doc["id"] not in ids(outsider.get(f"/documents?q={tag}"))
        assert doc["id"] not in ids(outsider.get(f"/documents?tag=机密{tag}"))
        assert doc["id"] not in ids(outsider.get(f"/documents?customer_id={cid}"))
        assert doc["id"] not in ids(outsider.get("/documents?per_page=200"))
        error(outsider.delete(path), 404, "not_found")
        error(outsider.patch(path, json={"title": "改"}), 404, "not_found")
        # nor put a document under that customer
        error(upload(outsider, samples.PDF, "x.pdf", customer_id=cid), 404, "not_found")
    # the rep's manager (above them) and admin see it
    for insider in (people.sales, people.manager, people.admin):
        assert insider.get(path + "/content").status_code == 200
        assert doc["id"] in ids(insider.get(f"/documents?q={tag}"))


def test_knowledge_base_documents_are_visible_to_every_user(people):
    tag = uuid.uuid4().hex[:8]
    manual = samples.docx()
    doc = ok(upload(people.sales, manual, f"产品手册{tag}.docx", tags="手册,产品"), 201)
    assert doc["customer_id"] is None and doc["knowledge_base"] is True
    for anyone in (people.sales, people.other, people.manager2, people.finance, people.warehouse, people.admin):
        assert doc["id"] in ids(anyone.get(f"/documents?scope=knowledge_base&q={tag}"))
        assert doc["id"] in ids(anyone.get(f"/documents?q=产品手册{tag}"))
        r = anyone.get(f"/documents/{doc['id']}/content")
        assert r.status_code == 200 and r.data == manual
    assert doc["id"] not in ids(people.other.get(f"/documents?scope=customer&q={tag}"))
    # changed by its uploader, a manager above them or admin; not by another rep
    error(people.other.delete(f"/documents/{doc['id']}"), 403, "forbidden")
    error(people.manager2.patch(f"/documents/{doc['id']}", json={"title": "x"}), 403, "forbidden")
    assert ok(people.manager.patch(f"/documents/{doc['id']}", json={"title": f"产品手册 v2 {tag}"}))["title"] \
        == f"产品手册 v2 {tag}"
    # anyone may add to the knowledge base
    ok(upload(people.warehouse, "入库流程".encode(), f"入库{tag}.txt"), 201)


def test_search_by_title_file_name_and_tag(people):
    cid = new_customer(people.sales)
    tag = uuid.uuid4().hex[:6]
    a = ok(upload(people.sales, samples.PDF, "a.pdf", title=f"华东项目技术方案{tag}", customer_id=cid,
                  tags=f"方案{tag}、投标"), 201)
    b = ok(upload(people.sales, b"x", f"价格表{tag}.csv", customer_id=cid, tags=f"价格{tag}"), 201)
    assert ids(people.sales.get(f"/documents?q=技术方案{tag}")) == {a["id"]}
    assert ids(people.sales.get(f"/documents?q=价格表{tag}")) == {b["id"]}
    assert ids(people.sales.get(f"/documents?q={tag}&customer_id={cid}")) == {a["id"], b["id"]}
    assert ids(people.sales.get(f"/documents?tag=方案{tag}")) == {a["id"]}
    assert ids(people.sales.get(f"/documents?q=%25{tag}")) == set()  # % is a character, not a wildcard
    assert b["content_type"] == "text/csv; charset=utf-8"
    error(people.sales.get("/documents?scope=everything"), 422, "validation_failed")
    error(people.sales.get("/documents?customer_id=nope"), 422, "validation_failed")


# ---- documents on sales records -------------------------------------------------------

def test_a_document_on_a_quote_follows_the_quotes_customer(people, engine):
    cid = new_customer(people.sales)
    quote = quote_data(cid)
    sales_record_arrives(engine, "sales.quote.created", quote)
    doc = ok(upload(people.sales, samples.PDF, "报价附件.pdf", related_type="quote", related_id=quote["id"]), 201)
    assert doc["customer_id"] == cid and doc["related_type"] == "quote" and doc["related_label"] == quote["number"]
    assert ids(people.sales.get(f"/documents?related_type=quote&related_id={quote['id']}")) == {doc["id"]}
    assert doc["id"] in ids(people.sales.get(f"/documents?customer_id={cid}"))

    # another rep can neither attach to that quote (as if it did not exist) nor see the document
    other_cid = new_customer(people.other, "别人的客户")
    for body in ({}, {"customer_id": other_cid}):
        err = error(upload(people.other, samples.PDF, "x.pdf", related_type="quote", related_id=quote["id"], **body),
                    422, "validation_failed")
        assert "related_id" in err["details"]
    assert ids(people.other.get(f"/documents?related_type=quote&related_id={quote['id']}")) == set()
    # naming a different customer than the record's is refused
    err = error(upload(people.sales, samples.PDF, "x.pdf", related_type="quote", related_id=quote["id"],
                       customer_id=new_customer(people.sales)), 422, "validation_failed")
    assert "customer_id" in err["details"]

    # the quote moves to another customer (a merge): its documents follow
    moved_to = new_customer(people.other, "合并后")
    sales_record_arrives(engine, "sales.quote.updated", {**quote, "customer_id": moved_to}, seq=2)
    error(people.sales.get(f"/documents/{doc['id']}"), 404, "not_found")
    assert ok(people.other.get(f"/documents/{doc['id']}"))["customer_id"] == moved_to
    sales_record_arrives(engine, "sales.quote.updated", {**quote, "customer_id": cid}, seq=1)  # stale: ignored
    assert ok(people.other.get(f"/documents/{doc['id']}"))["customer_id"] == moved_to


def test_an_upload_waits_for_a_record_created_a_moment_ago(people, engine, monkeypatch):
    cid = new_customer(people.sales)
    order = {**sales_events._ORDER, "id": str(uuid.uuid4()), "customer_id": cid, "number": "SO-RYW"}
    call = Timed(lambda: upload(people.sales, samples.PDF, "订单附件.pdf", related_type="order",
                                related_id=order["id"]))
    feeder = later(0.4, lambda: sales_record_arrives(engine, "sales.order.created", order))
    r = call.join()
    feeder.join()
    assert ok(r, 201)["customer_id"] == cid
    assert 0.4 <= call.elapsed < 2.0

    monkeypatch.setenv("CRM_COPY_WAIT_S", "0.5")
    started = time.monotonic()
    err = error(upload(people.sales, samples.PDF, "x.pdf", related_type="order", related_id=str(uuid.uuid4())),
                422, "validation_failed")
    assert "related_id" in err["details"] and time.monotonic() - started < 2.0
    err = error(upload(people.sales, samples.PDF, "x.pdf", related_type="service_order",
                       related_id=str(uuid.uuid4())), 422, "validation_failed")
    assert "related_id" in err["details"]
    err = error(upload(people.sales, samples.PDF, "x.pdf", related_type="quote"), 422, "validation_failed")
    assert "related_id" in err["details"]


# ---- delete and restore ---------------------------------------------------------------

def test_soft_delete_and_restore(people, engine, store):
    cid = new_customer(people.sales)
    doc = ok(upload(people.sales, samples.PNG, "现场照片.png", customer_id=cid), 201)
    path = f"/documents/{doc['id']}"
    assert people.sales.delete(path).status_code == 204
    assert people.sales.delete(path).status_code == 204  # again: nothing more happens
    assert doc["id"] not in ids(people.sales.get(f"/documents?customer_id={cid}"))
    assert ids(people.sales.get(f"/documents?customer_id={cid}&deleted=true")) == {doc["id"]}
    assert ok(people.sales.get(path))["deleted_at"] is not None
    error(people.sales.get(path + "/content"), 404, "document_deleted")
    error(people.sales.patch(path, json={"title": "x"}), 409, "document_deleted")
    assert store.get(f"documents/{doc['id'][:2]}/{doc['id']}") == samples.PNG  # the file is kept
    error(people.other.post(path + "/restore"), 404, "not_found")

    restored = ok(people.sales.post(path + "/restore"))
    assert restored["deleted_at"] is None
    assert people.sales.get(path + "/content").data == samples.PNG
    error(people.sales.post(path + "/restore"), 409, "not_deleted")
    assert len(outbox_events(engine, "customer.document.deleted", doc["id"])) == 1
    [event] = outbox_events(engine, "customer.document.restored", doc["id"])
    assert event["customer_id"] == cid


def test_change_title_and_tags(people, engine):
    cid = new_customer(people.sales)
    doc = ok(upload(people.sales, samples.PDF, "草稿.pdf", customer_id=cid), 201)
    changed = ok(people.sales.patch(f"/documents/{doc['id']}", json={"title": " 正式 方案 ", "tags": ["定稿", "定稿"]}))
    assert changed["title"] == "正式 方案" and changed["tags"] == ["定稿"]
    assert ids(people.sales.get("/documents?tag=定稿&customer_id=" + cid)) == {doc["id"]}
    error(people.sales.patch(f"/documents/{doc['id']}", json={}), 422, "validation_failed")
    error(people.sales.patch(f"/documents/{doc['id']}", json={"tags": ["x" * 51]}), 422, "validation_failed")
    assert outbox_events(engine, "customer.document.updated", doc["id"])


# ---- contract: the customer service's handlers accept every sample they consume -------

CONSUMED = [s for s in events.all_specs()
            if any(topic_match(p, s.event_type) for p in handler_table().patterns)]


def test_the_customer_service_consumes_the_sales_records():
    assert {"sales.opportunity.created", "sales.quote.created", "sales.order.placed",
            "sales.contract.created", "gateway.user.created"} <= {s.event_type for s in CONSUMED}


@pytest.mark.parametrize("spec", CONSUMED, ids=lambda s: s.event_type)
def test_handlers_accept_the_shared_sample(engine, spec):
    data = dict(spec.sample)
    if spec.event_type.startswith("sales."):
        data["id"] = str(uuid.uuid4())  # a record of its own (samples share ids)
    aggregate_id = data.get("id") or str(uuid.uuid4())
    env = Envelope(event_type=spec.event_type, aggregate_type="sample", aggregate_id=aggregate_id,
                   aggregate_seq=1, data=data, producer=spec.event_type.split(".")[0], region="cn-east",
                   customer_id=data.get("customer_id"))
    run_handlers_directly(engine, handler_table(), Outbox("customer", "cn-east"), [env])
    if spec.event_type.startswith("sales.") and data.get("customer_id"):
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT record_type, customer_id FROM related_records WHERE record_id = :i"),
                               {"i": data["id"]}).one()
        assert (row.record_type, row.customer_id) == (spec.event_type.split(".")[1], data["customer_id"])


def test_a_service_orders_assignee_attaches_documents_to_it(people, engine):
    cid = new_customer(people.sales)
    so = ok(people.sales.post("/service-orders", json={
        "customer_id": cid, "kind": "repair", "subject": "水泵异响", "assignee_id": people.warehouse.user["id"]}), 201)
    # the technician (read access to the customer through the assignment) adds a site photo
    doc = ok(upload(people.warehouse, samples.JPEG, "现场.jpg", related_type="service_order", related_id=so["id"]), 201)
    assert doc["customer_id"] == cid and doc["related_label"] is None
    assert ids(people.sales.get(f"/documents?related_type=service_order&related_id={so['id']}")) == {doc["id"]}
    assert people.warehouse.delete(f"/documents/{doc['id']}").status_code == 204
    ok(people.warehouse.post(f"/documents/{doc['id']}/restore"))
    # but not a document under the customer itself (read only), nor to another service order
    error(upload(people.warehouse, samples.PDF, "x.pdf", customer_id=cid), 403, "read_only")
    other = ok(people.sales.post("/service-orders", json={
        "customer_id": cid, "kind": "service", "subject": "保养", "assignee_id": people.sales.user["id"]}), 201)
    error(upload(people.warehouse, samples.PDF, "x.pdf", related_type="service_order", related_id=other["id"]),
          403, "read_only")
    # a rep who does not see the customer: as if the service order did not exist
    err = error(upload(people.other, samples.PDF, "x.pdf", related_type="service_order", related_id=so["id"]),
                422, "validation_failed")
    assert "related_id" in err["details"]
