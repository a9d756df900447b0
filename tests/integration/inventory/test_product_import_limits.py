"""Product imports, attacked: oversized uploads, too many rows, XML bombs and entities in
XLSX, zip bombs, NUL characters — each refused in the error body with nothing written."""

from __future__ import annotations

import io
import uuid

import pytest
import sqlalchemy as sa

from tests.unit.shared import xlsx_attacks as attack

pytestmark = pytest.mark.integration
HEADER = ["sku", "name", "unit", "list_price"]


def upload(client, data: bytes, filename: str = "p.csv"):
    return client.post("/products/imports", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def products_like(engine, tag: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM products WHERE sku LIKE :t"), {"t": f"%{tag}%"}).scalar()


def imports_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM product_imports")).scalar()


def assert_error(r, status: int, code: str) -> dict:
    body = r.get_json()
    assert r.status_code == status, body
    assert body["error"]["code"] == code, body
    return body["error"]


def _csv(tag: str, rows: int) -> bytes:
    return ("sku,name,unit,list_price\n" + "".join(f"L-{tag}-{i},泵{tag}{i},台,10\n" for i in range(rows))).encode()


def test_past_the_byte_cap_is_413(admin, engine, monkeypatch):
    monkeypatch.setenv("CRM_IMPORT_MAX_BYTES", "500")
    tag = uuid.uuid4().hex[:8]
    before = imports_count(engine)
    error = assert_error(upload(admin, _csv(tag, 30)), 413, "payload_too_large")
    assert error["details"] == {"max_bytes": 500}
    assert products_like(engine, tag) == 0 and imports_count(engine) == before


def test_past_the_row_cap_is_413_with_nothing_written(admin, engine, monkeypatch):
    monkeypatch.setenv("CRM_IMPORT_MAX_ROWS", "20")
    tag = uuid.uuid4().hex[:8]
    error = assert_error(upload(admin, _csv(tag, 21)), 413, "payload_too_large")
    assert error["details"] == {"max_rows": 20}
    data = attack.workbook([HEADER] + [[f"X-{tag}-{i}", "泵", "台", 1] for i in range(21)])
    assert_error(upload(admin, data, "p.xlsx"), 413, "payload_too_large")
    assert products_like(engine, tag) == 0
    ok = upload(admin, _csv(tag, 20))
    assert ok.status_code == 201 and ok.get_json()["created"] == 20


def test_the_built_in_cap_of_the_synchronous_import_is_413_too(admin, engine):
    tag = uuid.uuid4().hex[:8]
    error = assert_error(upload(admin, _csv(tag, 5001)), 413, "payload_too_large")
    assert error["details"] == {"max_rows": 5000}
    assert products_like(engine, tag) == 0


@pytest.mark.parametrize("make", [attack.billion_laughs, attack.external_entity],
                         ids=["billion_laughs", "external_entity"])
def test_xlsx_with_entities_is_422_not_parsed(admin, make):
    error = assert_error(upload(admin, make(HEADER), "bomb.xlsx"), 422, "validation_failed")
    assert "DTD or entities" in error["message"]


def test_an_entity_never_becomes_a_product(admin, engine):
    tag = uuid.uuid4().hex[:8]
    body = (f'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY sku "E-{tag}">]><worksheet {attack.NS}>'
            '<sheetData><row r="1">'
            + "".join(f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>' for c, h in zip("ABCD", HEADER, strict=True))
            + '</row><row r="2"><c r="A2" t="inlineStr"><is><t>&sku;</t></is></c>'
            '<c r="B2" t="inlineStr"><is><t>泵</t></is></c><c r="C2" t="inlineStr"><is><t>台</t></is></c>'
            '<c r="D2"><v>1</v></c></row></sheetData></worksheet>').encode()
    data = attack.with_part(attack.workbook([HEADER]), attack.SHEET, body)
    assert_error(upload(admin, data, "p.xlsx"), 422, "validation_failed")
    assert products_like(engine, tag) == 0


def test_zip_bomb_is_413(admin, monkeypatch):
    monkeypatch.setenv("CRM_IMPORT_MAX_UNZIPPED_BYTES", str(1024 * 1024))
    error = assert_error(upload(admin, attack.zip_bomb(HEADER, 16 * 1024 * 1024), "p.xlsx"), 413,
                         "payload_too_large")
    assert error["details"] == {"max_unzipped_bytes": 1024 * 1024}
