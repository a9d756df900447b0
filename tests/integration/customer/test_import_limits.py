"""Customer imports, attacked: oversized uploads, too many rows, XML bombs and external
entities in XLSX, zip bombs, NUL characters, hostile file names."""

from __future__ import annotations

import io
import uuid

import pytest
import sqlalchemy as sa

from services.customer.bootstrap import import_worker, root
from shared.tabular import ImportLimits
from shared.testing.clients import ServiceClient
from tests.unit.shared import xlsx_attacks as attack

pytestmark = pytest.mark.integration
HEADER = "name,industry,phone,address,category,contact_name,contact_phone,contact_email"


def upload(client, data: bytes, filename: str = "customers.csv"):
    return client.post("/imports/customers", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def count_customers(engine, tag: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM customers WHERE name LIKE :t"), {"t": f"%{tag}%"}).scalar()


def queued_jobs(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM import_jobs")).scalar()


def assert_error(r, status: int, code: str) -> dict:
    body = r.get_json()
    assert r.status_code == status, body
    assert body["error"]["code"] == code, body
    return body["error"]


def test_upload_past_the_byte_cap_is_413_and_queues_nothing(people, engine, monkeypatch):
    monkeypatch.setenv("CRM_IMPORT_MAX_BYTES", "1000")
    before = queued_jobs(engine)
    data = (HEADER + "\n" + "".join(f"超大{i}公司,,,,,,,\n" for i in range(100))).encode()
    assert len(data) > 1000
    error = assert_error(upload(people.sales, data), 413, "payload_too_large")
    assert error["details"] == {"max_bytes": 1000}
    assert queued_jobs(engine) == before


def test_csv_past_the_row_cap_is_413_at_upload(people, engine, monkeypatch):
    monkeypatch.setenv("CRM_IMPORT_MAX_ROWS", "50")
    tag = uuid.uuid4().hex[:8]
    before = queued_jobs(engine)
    rows = [HEADER] + [f"行数{tag}客户{i},,,,,,," for i in range(51)]
    error = assert_error(upload(people.sales, ("\n".join(rows) + "\n").encode()), 413, "payload_too_large")
    assert error["details"] == {"max_rows": 50}
    assert queued_jobs(engine) == before
    ok = upload(people.sales, ("\n".join(rows[:51]) + "\n").encode())  # exactly 50 rows: accepted
    assert ok.status_code == 202, ok.get_json()


def test_xlsx_past_the_row_cap_fails_the_job_with_nothing_written(people, settings, engine, monkeypatch):
    """An XLSX file's rows are counted by the worker, which reads the whole file before it
    writes the first batch: the job fails and no customer of the file exists."""
    tag = uuid.uuid4().hex[:8]
    data = attack.workbook([HEADER.split(",")] + [[f"表格{tag}客户{i}"] for i in range(61)])
    r = upload(people.sales, data, "big.xlsx")
    assert r.status_code == 202, r.get_json()
    worker = import_worker(settings, batch_size=10, poll=0.05, limits=ImportLimits(max_rows=60))
    while worker.run_once():
        pass
    job = people.sales.get(f"/imports/{r.get_json()['id']}").get_json()
    assert job["status"] == "failed"
    assert job["errors"] == [{"row": 1, "message": "the file has more than 60 data rows",
                              "code": "payload_too_large"}]
    assert job["created"] == 0 and job["processed"] == 0
    assert count_customers(engine, tag) == 0


@pytest.mark.parametrize("make", [attack.billion_laughs, attack.external_entity],
                         ids=["billion_laughs", "external_entity"])
def test_xlsx_with_entities_is_refused_at_upload_with_422(people, engine, make):
    before = queued_jobs(engine)
    r = upload(people.sales, make(HEADER.split(",")), "bomb.xlsx")
    error = assert_error(r, 422, "validation_failed")
    assert "DTD or entities" in error["message"] and "file" in error["details"]
    assert queued_jobs(engine) == before


def test_an_entity_is_never_expanded_into_a_customer(people, engine):
    """Plain XML parsing would expand the entity into a customer named '=cmd|...'."""
    tag = uuid.uuid4().hex[:8]
    r = upload(people.sales, attack.internal_entity(HEADER.split(","), f"实体{tag}"), "entity.xlsx")
    assert_error(r, 422, "validation_failed")
    assert count_customers(engine, tag) == 0


def test_zip_bomb_is_413_at_upload(people, engine, monkeypatch):
    monkeypatch.setenv("CRM_IMPORT_MAX_UNZIPPED_BYTES", str(2 * 1024 * 1024))
    data = attack.zip_bomb(HEADER.split(","), 20 * 1024 * 1024)
    assert len(data) < 200 * 1024
    error = assert_error(upload(people.sales, data, "bomb.xlsx"), 413, "payload_too_large")
    assert error["details"] == {"max_unzipped_bytes": 2 * 1024 * 1024}


def test_a_body_past_flasks_own_limit_answers_the_json_error(settings, people):
    app = root.create_app(settings)
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    client = ServiceClient(app, people.sales.user, settings.internal_secret)
    r = upload(client, b"name\n" + b"x" * 20_000)
    error = assert_error(r, 413, "payload_too_large")
    assert r.mimetype == "application/json" and error["message"]


def test_stored_file_names_are_sanitised(people, worker):
    r = upload(people.sales, f"{HEADER}\n".encode(), "..\\..\\.\u202eevil\x01\t.csv")
    assert r.status_code == 202, r.get_json()
    job = people.sales.get(f"/imports/{r.get_json()['id']}").get_json()
    assert job["filename"] == "evil.csv"
    while worker.run_once():
        pass
