"""Batch import (CSV UTF-8/BOM/GBK, XLSX) through the worker, and export."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from tests.integration.customer.conftest import outbox_events

pytestmark = pytest.mark.integration
HEADER = "name,industry,phone,address,category,contact_name,contact_phone,contact_email"


def upload(client, data: bytes, filename: str = "customers.csv"):
    return client.post("/imports/customers", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def run_import(client, worker, data: bytes, filename: str = "customers.csv") -> dict:
    r = upload(client, data, filename)
    assert r.status_code == 202, r.get_json()
    job_id = r.get_json()["id"]
    assert client.get(f"/imports/{job_id}").get_json()["status"] == "queued"
    while worker.run_once():
        pass
    job = client.get(f"/imports/{job_id}").get_json()
    assert job["status"] in ("done", "failed")
    return job


def test_csv_with_duplicates_and_bad_rows(people, worker, engine):
    tag = uuid.uuid4().hex[:6]
    lines = [HEADER,
             f"北京{tag}软件有限公司,软件,010-1111,北京,A,张三,13900000001,zs@example.cn",
             f"北京{tag}软件 公司,软件,,,,,,",                      # duplicate inside the file
             ",缺名称,,,,,,",                                       # bad: no name
             f"天津{tag}物流有限公司,物流,,,,,,bad-email",            # bad: email without contact name
             f"天津{tag}港务有限公司,物流,,,,李四,,not-an-email",       # bad: email
             "",                                                     # blank line: skipped
             f"重庆{tag}火锅有限公司,餐饮,023-2222,,B,,,"]
    job = run_import(people.sales, worker, ("\n".join(lines) + "\n").encode("utf-8"))
    assert (job["total"], job["processed"], job["created"], job["duplicates"]) == (6, 6, 2, 1)
    assert [e["row"] for e in job["errors"]] == [4, 5, 6]
    assert "name" in job["errors"][0]["message"] and "e-mail" in job["errors"][2]["message"]
    listed = people.sales.get(f"/customers?q={tag}").get_json()
    assert listed["total"] == 2
    beijing = next(c for c in listed["items"] if c["name"].startswith("北京"))
    contacts = people.sales.get(f"/contacts?customer_id={beijing['id']}").get_json()["items"]
    assert [(c["name"], c["email"]) for c in contacts] == [("张三", "zs@example.cn")]
    assert people.other.get(f"/customers?q={tag}").get_json()["total"] == 0
    created = outbox_events(engine, "customer.customer.created", beijing["id"])
    assert len(created) == 1 and created[0]["actor_id"] == people.sales.user["id"]
    with engine.connect() as conn:
        owner = conn.execute(sa.text("SELECT owner_id FROM acl_customers WHERE customer_id = :c"),
                             {"c": beijing["id"]}).scalar()
        seq = conn.execute(sa.text("SELECT seq FROM aggregate_sequences WHERE aggregate_id = :c"),
                           {"c": beijing["id"]}).scalar()
    assert owner == people.sales.user["id"] and seq == 1
    # the same file again creates nothing new
    again = run_import(people.sales, worker, ("\n".join(lines) + "\n").encode("utf-8"))
    assert (again["created"], again["duplicates"], len(again["errors"])) == (0, 3, 3)
    assert people.sales.get(f"/customers?q={tag}").get_json()["total"] == 2
    # an existing customer is updated by events later: the snapshot event of the new one is usable
    patch = people.sales.patch(f"/customers/{beijing['id']}", json={"category": "B"})
    assert patch.status_code == 200
    assert outbox_events(engine, "customer.customer.updated", beijing["id"])[0]["aggregate_seq"] == 2


def test_gbk_and_bom_and_chinese_headers(people, worker):
    tag = uuid.uuid4().hex[:6]
    gbk = f"客户名称,行业,电话,联系人\n广州{tag}电子有限公司,电子,020-3333,陈七\n".encode("gbk")
    job = run_import(people.sales, worker, gbk)
    assert job["created"] == 1 and job["errors"] == []
    c = people.sales.get(f"/customers?q=广州{tag}").get_json()["items"][0]
    assert c["name"] == f"广州{tag}电子有限公司" and c["industry"] == "电子"
    bom = ("\ufeff" + HEADER + f"\n深圳{tag}硬件有限公司,硬件,,,,,,\n").encode("utf-8")
    job = run_import(people.sales, worker, bom)
    assert job["created"] == 1
    assert people.sales.get(f"/customers?q=深圳{tag}").get_json()["total"] == 1


def test_xlsx(people, worker):
    tag = uuid.uuid4().hex[:6]
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append([f"Hangzhou {tag} Tea Co., Ltd.", "茶叶", 57188880000, None, "A", "Wang", None, None])
    sheet.append([f"hangzhou {tag} tea", None, None, None, None, None, None, None])
    out = io.BytesIO()
    book.save(out)
    job = run_import(people.sales, worker, out.getvalue(), "list.xlsx")
    assert (job["created"], job["duplicates"], job["errors"]) == (1, 1, [])
    c = people.sales.get(f"/customers?q={tag}").get_json()["items"][0]
    assert c["phone"] == "57188880000"


def test_bad_files_and_access(people, worker):
    job = run_import(people.sales, worker, b"foo,bar\n1,2\n")
    assert job["status"] == "failed" and job["errors"][0]["row"] == 1
    job = run_import(people.sales, worker, b"\xff\xfe\x00garbage\x81", "x.csv")
    assert job["status"] in ("failed", "done")
    r = people.sales.post("/imports/customers", data={}, content_type="multipart/form-data")
    assert r.status_code == 422
    assert upload(people.finance, b"name\nx\n").status_code == 403
    r = upload(people.sales, b"name\nx\n")
    job_id = r.get_json()["id"]
    assert people.other.get(f"/imports/{job_id}").status_code == 404
    assert people.admin.get(f"/imports/{job_id}").status_code == 200
    assert people.sales.get("/imports/not-a-uuid").status_code == 404
    assert job_id in {j["id"] for j in people.sales.get("/imports").get_json()["items"]}
    while worker.run_once():
        pass


class _Crash(Exception):
    pass


def test_interrupted_job_resumes(people, settings, worker, engine):
    from services.customer.bootstrap import import_worker

    tag = uuid.uuid4().hex[:6]
    rows = [HEADER] + [f"续传{tag}客户{i},,,,,,," for i in range(120)]
    job_id = upload(people.sales, ("\n".join(rows) + "\n").encode()).get_json()["id"]
    dying = import_worker(settings, batch_size=50)
    calls = []
    real_write = dying._write

    def write_then_die(*args):  # the process dies while writing its second batch
        if calls:
            raise _Crash()
        calls.append(1)
        return real_write(*args)

    dying._write = write_then_die
    with pytest.raises(_Crash):
        dying.run_once()
    job = people.sales.get(f"/imports/{job_id}").get_json()
    assert (job["status"], job["processed"], job["created"]) == ("running", 50, 50)
    assert worker.run_once() is False  # its heartbeat is fresh: nobody takes it over yet
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE import_jobs SET heartbeat_at = now() - interval '1 hour' WHERE id = :j"),
                     {"j": job_id})
    while worker.run_once():
        pass
    job = people.sales.get(f"/imports/{job_id}").get_json()
    assert (job["status"], job["created"], job["duplicates"], job["processed"]) == ("done", 120, 0, 120)
    assert people.sales.get(f"/customers?q=续传{tag}").get_json()["total"] == 120


def test_export_csv_and_xlsx(people):
    tag = uuid.uuid4().hex[:6]
    for i in range(3):
        r = people.sales.post("/customers", json={"name": f"导出{tag}公司{i}", "category": "A" if i else "B"})
        assert r.status_code == 201
    people.other.post("/customers", json={"name": f"导出{tag}别人的"})
    r = people.sales.get(f"/exports/customers?format=csv&q=导出{tag}&category=A")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(x["name"] for x in rows) == [f"导出{tag}公司1", f"导出{tag}公司2"]
    r = people.sales.get(f"/exports/customers?format=xlsx&q=导出{tag}")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.get_data())).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == [f"导出{tag}公司{i}" for i in range(3)]
    assert people.sales.get("/exports/customers?format=pdf").status_code == 422


def test_a_preview_shows_the_columns_found_and_the_first_rows_and_imports_nothing(people, engine):
    client = people.sales
    data = "客户名称,电话,备注,联系人\n华东测试一号,021-1,不导入,张三\n\n华东测试二号,021-2,x,李四\n".encode("gbk")
    before = _count(engine)
    answer = client.post("/imports/customers/preview", data={"file": (io.BytesIO(data), "客户.csv")},
                         content_type="multipart/form-data")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["header"] == ["客户名称", "电话", "备注", "联系人"]
    assert body["columns"] == {"name": "客户名称", "phone": "电话", "contact_name": "联系人"}
    assert body["ignored"] == ["备注"]
    assert body["rows"] == [{"row": 2, "name": "华东测试一号", "phone": "021-1", "contact_name": "张三"},
                            {"row": 4, "name": "华东测试二号", "phone": "021-2", "contact_name": "李四"}]
    assert _count(engine) == before
    nameless = client.post("/imports/customers/preview", data={"file": (io.BytesIO(b"phone\n1\n"), "x.csv")},
                           content_type="multipart/form-data")
    assert nameless.status_code == 422 and "name" in nameless.get_json()["error"]["message"]


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM customers")).scalar_one()


def test_a_dead_workers_job_is_taken_over_within_half_a_minute(people, settings, engine, monkeypatch):
    """A held job's heartbeat beats from a thread of its own, so STALE_AFTER_S can be short:
    a job whose heartbeat is older than that is taken over; a live one is not."""
    from services.customer import importer
    from services.customer.bootstrap import import_worker

    assert importer.STALE_AFTER_S <= 30 and importer.HEARTBEAT_S * 3 <= importer.STALE_AFTER_S
    monkeypatch.setattr(importer, "HEARTBEAT_S", 0.05)
    tag = uuid.uuid4().hex[:6]
    rows = [HEADER] + [f"心跳{tag}客户{i},,,,,,," for i in range(60)]
    job_id = upload(people.sales, ("\n".join(rows) + "\n").encode()).get_json()["id"]
    slow = import_worker(settings, batch_size=20)
    real_write, beats = slow._write, []

    def slow_write(*args):  # a slow batch: the heartbeat thread goes on beating meanwhile
        with engine.connect() as conn:
            beats.append(conn.execute(sa.text("SELECT heartbeat_at FROM import_jobs WHERE id = :j"),
                                      {"j": job_id}).scalar())
        import time

        time.sleep(0.3)
        with engine.connect() as conn:
            beats.append(conn.execute(sa.text("SELECT heartbeat_at FROM import_jobs WHERE id = :j"),
                                      {"j": job_id}).scalar())
        return real_write(*args)

    slow._write = slow_write
    assert slow.run_once() is True
    assert beats[1] > beats[0]  # beaten during the batch, not only between batches
    job = people.sales.get(f"/imports/{job_id}").get_json()
    assert (job["status"], job["created"]) == ("done", 60)

    again = upload(people.sales, ("\n".join(r.replace("心跳", "接管") for r in rows) + "\n").encode()).get_json()["id"]
    with engine.begin() as conn:  # a worker took it and died: its heartbeat stops
        conn.execute(sa.text("UPDATE import_jobs SET status = 'running', attempts = 1, "
                             "heartbeat_at = now() - make_interval(secs => :s) WHERE id = :j"),
                     {"j": again, "s": importer.STALE_AFTER_S + 1})
    assert import_worker(settings, batch_size=20).run_once() is True
    assert people.sales.get(f"/imports/{again}").get_json()["status"] == "done"
