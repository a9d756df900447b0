"""Imports of files shaped like other CRMs' exports (Odoo res.partner, Salesforce, a GBK file
with Chinese headers, Excel's UTF-16 "Unicode text"), a broken row and its error file, upsert
updating exactly the mapped fields, and undo as one step."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from tests.integration.customer.conftest import outbox_events

pytestmark = pytest.mark.integration


def start(client, data: bytes, filename: str, **form):
    fields = {"file": (io.BytesIO(data), filename)}
    for key, value in form.items():
        fields[key] = json.dumps(value, ensure_ascii=False) if key == "mapping" else value
    return client.post("/imports/customers", data=fields, content_type="multipart/form-data")


def finish(client, worker, job_id: str) -> dict:
    while worker.run_once():
        pass
    return client.get(f"/imports/{job_id}").get_json()


def run(client, worker, data: bytes, filename: str = "x.csv", **form) -> dict:
    r = start(client, data, filename, **form)
    assert r.status_code == 202, r.get_json()
    job = finish(client, worker, r.get_json()["id"])
    assert job["status"] == "done", job
    return job


def find(client, text: str) -> list[dict]:
    return client.get(f"/customers?q={text}&per_page=100").get_json()["items"]


def contacts_of(client, customer_id: str) -> list[dict]:
    return client.get(f"/contacts?customer_id={customer_id}").get_json()["items"]


def test_an_odoo_res_partner_export(people, worker, engine):
    tag = uuid.uuid4().hex[:6]
    me = people.sales.user["username"]
    lines = [
        "External ID,Name,Is a Company,Street,Street2,City,State,Zip,Country,Phone,Mobile,Email,Website,Salesperson,Tags",
        f"__export__.res_partner_{tag}_1,Azure {tag} Interior,True,4557 De Silva St,,Fremont,California (US),94538,"
        f"United States,(870)-931-0505,,azure@example.com,http://azure.example.com,{me},Services",
        f"__export__.res_partner_{tag}_2,Deco {tag} Addict,True,77 Santa Barbara Rd,Suite 2,Pleasant Hill,"
        f"California (US),94523,United States,(603)-996-3829,+1 555 0102,deco@example.com,,nobody-{tag},",
        f"__export__.res_partner_{tag}_3,Gemini {tag} Furniture,True,317 Fairchild Dr,,Fairfield,,94535,"
        f"United States,,+1 555 0103,,,,",
    ]
    job = run(people.sales, worker, ("\n".join(lines) + "\n").encode(), "res.partner.csv")
    assert (job["total"], job["created"], job["error_count"]) == (3, 2, 1)
    [error] = job["errors"]
    assert (error["row"], error["field"], error["column"]) == (3, "owner", "Salesperson")
    azure = next(c for c in find(people.sales, tag) if c["name"].startswith("Azure"))
    assert azure["address"] == "4557 De Silva St, Fremont, California (US), 94538, United States"
    assert (azure["phone"], azure["website"], azure["external_id"]) == (
        "(870)-931-0505", "http://azure.example.com", f"__export__.res_partner_{tag}_1")
    assert [(k["name"], k["email"]) for k in contacts_of(people.sales, azure["id"])] == [
        (f"Azure {tag} Interior", "azure@example.com")]
    gemini = next(c for c in find(people.sales, tag) if c["name"].startswith("Gemini"))
    # the file has a Phone column: Mobile is a contact's phone (the contact named after the company)
    assert [(k["name"], k["phone"]) for k in contacts_of(people.sales, gemini["id"])] == [
        (f"Gemini {tag} Furniture", "+1 555 0103")]
    assert gemini["owner_id"] == people.sales.user["id"]


def test_a_salesforce_account_export_in_xlsx(people, worker):
    tag = uuid.uuid4().hex[:6]
    book = Workbook()
    book.active.append(["Account ID", "Account Name", "Type", "Industry", "Phone", "Website", "Billing Street",
                        "Billing City", "Billing State/Province", "Billing Zip/Postal Code", "Billing Country",
                        "Account Owner", "Created Date", "Annual Revenue"])
    book.active.append([f"001{tag}AAA", f"Edge {tag} Communications", "Customer - Direct", "Electronics",
                        5123334444, "http://edgecomm.example.com", "312 Constitution Place", "Austin", "TX",
                        "78767", "USA", people.sales.user["full_name"], "2025-01-01", 139000000])
    out = io.BytesIO()
    book.save(out)
    preview = people.sales.post("/imports/preview", data={"file": (io.BytesIO(out.getvalue()), "sf.xlsx"),
                                                          "kind": "customers"}, content_type="multipart/form-data")
    assert preview.status_code == 200, preview.get_json()
    body = preview.get_json()
    assert body["encoding"] == "xlsx" and body["missing"] == []
    assert body["mapping"]["Account Name"] == "name" and body["mapping"]["Annual Revenue"] is None
    assert body["rows"][0][4] == "5123334444"
    job = run(people.sales, worker, out.getvalue(), "sf.xlsx")
    assert (job["created"], job["error_count"]) == (1, 0)
    [edge] = find(people.sales, tag)
    assert (edge["category"], edge["industry"], edge["phone"], edge["external_id"]) == (
        "Customer - Direct", "Electronics", "5123334444", f"001{tag}AAA")
    assert edge["address"] == "312 Constitution Place, Austin, TX, 78767, USA"


def test_a_gbk_file_with_chinese_headers(people, worker):
    tag = uuid.uuid4().hex[:6]
    text = ("单位名称,所属行业,联系电话,联系人,手机,省,市,详细地址,电子邮箱,负责人\n"
            f"杭州{tag}茶业有限公司,食品,0571-8888,王芳,13900000001,浙江省,杭州市,西湖区龙井路1号,wf@example.cn,"
            f"{people.sales.user['full_name']}\n")
    job = run(people.sales, worker, text.encode("gbk"), "客户.csv")
    assert (job["created"], job["error_count"]) == (1, 0)
    [tea] = find(people.sales, tag)
    assert (tea["industry"], tea["phone"], tea["address"]) == ("食品", "0571-8888", "浙江省 杭州市 西湖区龙井路1号")
    assert [(k["name"], k["phone"], k["email"]) for k in contacts_of(people.sales, tea["id"])] == [
        ("王芳", "13900000001", "wf@example.cn")]


def test_an_excel_unicode_text_export_utf16_tab_separated(people, worker):
    tag = uuid.uuid4().hex[:6]
    text = f"客户名称\t电话\t联系人\r\n深圳{tag}电子有限公司\t0755-1234\t李四\r\n"
    preview = people.sales.post("/imports/preview", data={"file": (io.BytesIO(text.encode("utf-16")), "导出.txt")},
                                content_type="multipart/form-data").get_json()
    assert (preview["encoding"], preview["delimiter"]) == ("utf-16", "\t")
    assert preview["rows"] == [[f"深圳{tag}电子有限公司", "0755-1234", "李四"]]
    job = run(people.sales, worker, text.encode("utf-16"), "导出.txt")
    assert job["created"] == 1
    assert find(people.sales, tag)[0]["phone"] == "0755-1234"


def test_a_broken_row_is_reported_with_its_column_and_in_the_error_file(people, worker):
    tag = uuid.uuid4().hex[:6]
    data = ("Company,Phone,Contact,Email\n"
            f"Good {tag} Ltd,010-1,Ann,ann@example.com\n"
            f"Bad {tag} Ltd,010-2,Bob,not-an-email\n"
            f"Short {tag} Ltd\n"
            ",010-4,Carl,\n").encode()
    job = run(people.sales, worker, data, "broken.csv")
    assert (job["created"], job["error_count"]) == (2, 2)
    assert [(e["row"], e.get("column")) for e in job["errors"]] == [(3, "Email"), (5, "Company")]
    assert "cells" not in job["errors"][0]
    assert job["error_file"] == f"/imports/{job['id']}/error_file"
    r = people.sales.get(job["error_file"])
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Company", "Phone", "Contact", "Email", "error"]
    assert rows[1][:4] == [f"Bad {tag} Ltd", "010-2", "Bob", "not-an-email"]
    assert rows[1][4].startswith("row 3, Email: contact_email is not an e-mail address")
    assert rows[2][:4] == ["", "010-4", "Carl", ""] and "name is required" in rows[2][4]
    assert people.other.get(job["error_file"]).status_code == 404


def test_a_bad_mapping_or_mode_is_refused_before_queueing(people):
    data = b"Firma,Telefon\nAcme,1\n"
    r = start(people.sales, data, "x.csv", mapping={"Firma": "nom"})
    assert r.status_code == 422 and "Firma" in r.get_json()["error"]["details"]["mapping"]
    assert start(people.sales, data, "x.csv", mode="merge").status_code == 422
    assert start(people.sales, data, "x.csv", match_on="fax").status_code == 422
    r = people.sales.post("/imports/customers", data={"file": (io.BytesIO(data), "x.csv"), "mapping": "{"},
                          content_type="multipart/form-data")
    assert r.status_code == 422


def test_the_callers_mapping_and_a_custom_field(people, worker):
    tag = uuid.uuid4().hex[:6]
    assert people.admin.post("/custom-fields", json={"name": f"折扣{tag}", "type": "number"}).status_code == 201
    data = f"Firma,Telefon,Rabatt,Notiz\nMüller {tag} GmbH,030-1,5,egal\nSchulz {tag} AG,030-2,viel,\n".encode()
    mapping = {"Firma": "name", "Telefon": "phone", "Rabatt": f"custom_fields.折扣{tag}", "Notiz": None}
    job = run(people.sales, worker, data, "de.csv", mapping=mapping)
    assert (job["created"], job["error_count"]) == (1, 1)
    assert job["errors"][0]["column"] == "Rabatt"
    [muller] = find(people.sales, f"Müller {tag}")
    assert muller["custom_fields"] == {f"折扣{tag}": "5"} and muller["phone"] == "030-1"


def _customer(engine, customer_id: str) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT * FROM customers WHERE id = :c"), {"c": customer_id}).mappings().one())


def test_upsert_updates_exactly_the_mapped_fields_and_undo_restores(people, worker, engine):
    tag = uuid.uuid4().hex[:6]
    first = run(people.sales, worker, (
        "Account ID,Account Name,Industry,Phone,Billing City\n"
        f"A{tag}1,Alpha {tag} Ltd,Mining,010-1,Beijing\n"
        f"A{tag}2,Beta {tag} Ltd,Retail,010-2,Tianjin\n").encode(), "first.csv")
    assert first["created"] == 2
    alpha = next(c for c in find(people.sales, tag) if c["name"].startswith("Alpha"))
    beta = next(c for c in find(people.sales, tag) if c["name"].startswith("Beta"))
    before_beta = _customer(engine, beta["id"])
    # the second file: industry present but ignored, the address column absent; Alpha's phone
    # changes, Beta's row is the same, a new id creates Gamma
    second = run(people.sales, worker, (
        "Account ID,Account Name,Industry,Phone\n"
        f"A{tag}1,Alpha {tag} Ltd,Banking,020-9\n"
        f"A{tag}2,Beta {tag} Ltd,Banking,010-2\n"
        f"A{tag}3,Gamma {tag} Ltd,Banking,030-3\n").encode(), "second.csv",
        mapping={"Account ID": "external_id", "Account Name": "name", "Industry": None, "Phone": "phone"},
        mode="upsert", match_on="external_id")
    assert (second["mode"], second["match_on"]) == ("upsert", "external_id")
    assert (second["created"], second["updated"], second["duplicates"], second["error_count"]) == (1, 1, 1, 0)
    after = people.sales.get(f"/customers/{alpha['id']}").get_json()
    assert (after["phone"], after["industry"], after["address"], after["name"]) == (
        "020-9", "Mining", "Beijing", f"Alpha {tag} Ltd")
    assert _customer(engine, beta["id"]) == before_beta
    updates = outbox_events(engine, "customer.customer.updated", alpha["id"])
    assert updates and updates[-1]["data"]["phone"] == "020-9"
    # another rep's upsert never reaches this rep's customers
    other = run(people.other, worker, f"Account Name,Phone\nAlpha {tag} Ltd,099-9\n".encode(), "o.csv",
                mode="upsert", match_on="name")
    assert (other["updated"], other["created"], other["duplicates"]) == (0, 0, 1)
    assert people.sales.get(f"/customers/{alpha['id']}").get_json()["phone"] == "020-9"
    # match on e-mail and on phone
    run(people.sales, worker, f"Company,Contact,Email\nAlpha {tag} Ltd,Ann,ann{tag}@example.com\n".encode(), "c.csv",
        mode="upsert")
    by_email = run(people.sales, worker, f"Email,Website,Contact,Mobile\nANN{tag}@example.com,alpha.example,Ann,138\n"
                   .encode(), "e.csv", mode="upsert", match_on="email")
    assert (by_email["updated"], by_email["created"]) == (1, 0)
    assert people.sales.get(f"/customers/{alpha['id']}").get_json()["website"] == "alpha.example"
    assert [k["phone"] for k in contacts_of(people.sales, alpha["id"])] == ["138"]

    # undo the e-mail upsert, then the external-id upsert: Alpha as it was, Gamma deleted
    assert people.other.post(f"/imports/{by_email['id']}/undo").status_code == 404
    r = people.sales.post(f"/imports/{by_email['id']}/undo")
    assert r.status_code == 202 and r.get_json()["status"] == "undo_queued"
    undone = finish(people.sales, worker, by_email["id"])
    assert undone["status"] == "undone" and undone["undone"] == 2
    assert people.sales.get(f"/customers/{alpha['id']}").get_json()["website"] is None
    assert [k["phone"] for k in contacts_of(people.sales, alpha["id"])] == [None]
    assert people.sales.post(f"/imports/{by_email['id']}/undo").status_code == 409
    assert people.sales.post(f"/imports/{second['id']}/undo").status_code == 202
    assert finish(people.sales, worker, second["id"])["status"] == "undone"
    restored = people.sales.get(f"/customers/{alpha['id']}").get_json()
    assert (restored["phone"], restored["industry"]) == ("010-1", "Mining")
    assert sorted(c["name"] for c in find(people.sales, tag)) == [f"Alpha {tag} Ltd", f"Beta {tag} Ltd"]
    gamma_id = outbox_events(engine, "customer.customer.deleted")[-1]["aggregate_id"]
    assert _customer(engine, gamma_id)["name"] == f"Gamma {tag} Ltd"
    assert outbox_events(engine, "customer.import.undone", second["id"])[0]["data"]["deleted"] == 1


def test_undo_of_a_create_import_deletes_what_it_created(people, worker, engine):
    tag = uuid.uuid4().hex[:6]
    lines = ["客户名称,联系人"] + [f"撤销{tag}客户{i},联系人{i}" for i in range(120)]
    job = run(people.sales, worker, ("\n".join(lines) + "\n").encode(), "u.csv")
    assert job["created"] == 120
    ids = [c["id"] for c in find(people.sales, f"撤销{tag}")]
    assert people.sales.post(f"/imports/{job['id']}/undo").status_code == 202
    assert people.sales.get(f"/imports/{job['id']}").get_json()["status"] == "undo_queued"
    undone = finish(people.sales, worker, job["id"])
    assert (undone["status"], undone["undone"]) == ("undone", 120)
    assert people.sales.get(f"/customers?q=撤销{tag}").get_json()["total"] == 0
    deleted = outbox_events(engine, "customer.customer.deleted", ids[0])
    assert len(deleted) == 1 and deleted[0]["data"]["status"] == "deleted"
    # the same file imports again afterwards
    assert run(people.sales, worker, ("\n".join(lines) + "\n").encode(), "u.csv")["created"] == 120


def test_a_leads_import_with_duplicates_and_its_undo(people, worker, engine):
    tag = uuid.uuid4().hex[:6]
    assert people.sales.post("/leads", json={"name": "已有", "email": f"old{tag}@example.com"}).status_code == 201
    data = ("First Name,Last Name,Company,Email,Mobile,Lead Source\n"
            f"Hank,Scorpio{tag},Globex,hank{tag}@example.com,138 0000 {tag[:4]},Web\n"
            f"Someone,Else{tag},Globex,HANK{tag}@example.com,,Web\n"           # same e-mail: duplicate
            f"Old,Lead{tag},Initech,OLD{tag}@example.com,,Fair\n"              # an existing lead's e-mail
            f",,Nameless{tag},x{tag}@example.com,,\n"                           # no name
            f"Ann,Bee{tag},Initech,not-an-email,,\n").encode()
    preview = people.sales.post("/imports/preview", data={"file": (io.BytesIO(data), "leads.csv"), "kind": "leads"},
                                content_type="multipart/form-data").get_json()
    assert preview["mapping"] == {"First Name": "contact_first_name", "Last Name": "contact_last_name",
                                  "Company": "company", "Email": "email", "Mobile": "mobile", "Lead Source": "source"}
    r = people.sales.post("/imports/leads", data={"file": (io.BytesIO(data), "leads.csv")},
                          content_type="multipart/form-data")
    assert r.status_code == 202
    assert people.sales.post("/imports/leads", data={"file": (io.BytesIO(data), "leads.csv"), "mode": "upsert"},
                             content_type="multipart/form-data").status_code == 422
    job = finish(people.sales, worker, r.get_json()["id"])
    assert (job["kind"], job["status"], job["created"], job["duplicates"], job["error_count"]) == (
        "leads", "done", 1, 2, 2)
    assert [(e["row"], e.get("column")) for e in job["errors"]] == [(5, "First Name, Last Name"), (6, "Email")]
    [hank] = [x for x in people.sales.get(f"/leads?q=Scorpio{tag}").get_json()["items"]]
    assert (hank["name"], hank["company"], hank["source"], hank["status"]) == (
        f"Hank Scorpio{tag}", "Globex", "Web", "new")
    assert outbox_events(engine, "customer.lead.created", hank["id"])
    assert people.sales.post(f"/imports/{job['id']}/undo").status_code == 202
    assert finish(people.sales, worker, job["id"])["status"] == "undone"
    assert people.sales.get(f"/leads/{hank['id']}").get_json()["status"] == "disqualified"
    assert outbox_events(engine, "customer.lead.updated", hank["id"])[-1]["data"]["status"] == "disqualified"
