"""The request helpers every service shares (issue 12.4): path ids, role checks, the id
and money fields, the paging query, the error handlers and the import-file reader."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask, g
from marshmallow import Schema, ValidationError
from openpyxl import Workbook

from services.billing.api.fields import Amount
from services.sales.api.common import MoneyField
from shared.errors import Conflict, Forbidden, NotFound
from shared.fields import Money, UuidStr, uuid_field
from shared.identity import Principal
from shared.tabular import TableError, read_records
from shared.web import count_and_page, install_error_handlers, iso, path_id, require_role

app = Flask("helpers")

ID = "5b1d3f9e-2c4a-4e6b-8d0f-1a2b3c4d5e6f"


def test_path_id_is_canonical_or_404():
    assert path_id(ID.upper(), "order") == ID
    assert path_id("{" + ID + "}", "order") == ID
    for bad in ("x", "", "5b1d3f9e", None, 12):
        with pytest.raises(NotFound) as caught:
            path_id(bad, "order")
        assert caught.value.message == "order not found"


def test_require_role_one_signature_for_the_caller_or_someone():
    with app.test_request_context():
        g.principal = Principal(str(uuid.uuid4()), "finance")
        assert require_role({"admin", "finance"}, "issue invoices").role == "finance"
        with pytest.raises(Forbidden) as caught:
            require_role(("admin",), "define custom fields")
        assert caught.value.details == {"allowed_roles": ["admin"]}
        assert "define custom fields" in caught.value.message
        rep = Principal(str(uuid.uuid4()), "sales")
        with pytest.raises(Forbidden):
            require_role({"finance"}, "issue invoices", who=rep)
        assert require_role({"sales"}, "log calls", who=rep) is rep


class Ids(Schema):
    required = uuid_field(required=True)
    optional = uuid_field()
    strict = UuidStr(load_default=None)


def test_one_uuid_field_gives_canonical_text():
    loaded = Ids().load({"required": ID.upper(), "optional": None})
    assert loaded == {"required": ID, "optional": None, "strict": None}
    for bad in ({"required": "nope"}, {"required": 5}, {}, {"required": None}, {"required": ID, "strict": "x"}):
        with pytest.raises(ValidationError):
            Ids().load(bad)


class Amounts(Schema):
    inventory = Money()
    sales = MoneyField()
    billing = Amount()


@pytest.mark.parametrize("field", ["inventory", "sales", "billing"])
def test_one_money_rule_more_than_two_decimals_is_refused(field):
    """Inventory rounded 12.345 to 12.35, billing and sales refused it: now all refuse."""
    assert Amounts().load({field: "12.3"})[field] == Decimal("12.30")
    assert Amounts().load({field: "12.340"})[field] == Decimal("12.34")
    for bad in ("12.345", 0.001, "1e-3", "abc", True, None, "NaN"):
        with pytest.raises(ValidationError):
            Amounts().load({field: bad})


def test_billing_amounts_are_positive_and_rates_take_six_places():
    with pytest.raises(ValidationError):
        Amounts().load({"billing": "0"})
    rate = Amount(minimum=Decimal("0.000001"), places=6)
    assert rate.deserialize("7.123456") == Decimal("7.123456")
    with pytest.raises(ValidationError):
        rate.deserialize("7.1234567")


def test_count_and_page_counts_the_whole_filtered_select():
    engine = sa.create_engine("sqlite://")
    t = sa.Table("t", sa.MetaData(), sa.Column("n", sa.Integer))
    t.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(t.insert(), [{"n": i} for i in range(1, 12)])
        rows, total = count_and_page(conn, sa.select(t).where(t.c.n > 2).order_by(t.c.n.desc()), 2, 4)
    assert total == 9 and [r.n for r in rows] == [7, 6, 5, 4]


def test_iso_keeps_none():
    assert iso(None) is None and iso(dt.date(2026, 1, 2)) == "2026-01-02"


def test_error_handlers_answer_the_contract_body():
    errors = Flask("errors")
    install_error_handlers(errors, "billing", "the billing service's database")

    @errors.get("/conflict")
    def conflict():
        raise Conflict("taken", code="number_taken", details={"number": ["taken"]})

    @errors.get("/down")
    def down():
        raise sa.exc.TimeoutError("QueuePool limit reached, connection timed out")  # no connection in time

    @errors.get("/bug")
    def bug():
        raise KeyError("secret detail")

    client = errors.test_client()
    r = client.get("/conflict")
    assert r.status_code == 409 and r.get_json() == {
        "error": {"code": "number_taken", "message": "taken", "details": {"number": ["taken"]}}}
    r = client.get("/down")
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "service_unavailable"
    assert r.get_json()["error"]["details"] == {"service": "billing"}
    r = client.get("/bug")
    assert r.status_code == 500 and "secret" not in r.get_data(as_text=True)
    assert client.get("/nowhere").get_json()["error"]["code"] == "not_found"


COLUMNS = ("name", "phone")
ALIASES = {"名称": "name", "电话": "phone"}


def records(data: bytes, filename: str = "x.csv"):
    return list(read_records(data, filename, None, columns=COLUMNS, aliases=ALIASES, required=("name",)))


def test_read_records_maps_headers_numbers_rows_and_drops_nul():
    data = "名称,Phone,other\nA\x00公司, 021-1 ,x\n,,\n\nB公司,,\n".encode("gbk")
    assert records(data) == [(2, {"name": "A公司", "phone": "021-1"}), (5, {"name": "B公司", "phone": ""})]
    book = Workbook()
    book.active.append(["name", "phone"])
    book.active.append(["X", 13800138000.0])
    out = io.BytesIO()
    book.save(out)
    assert records(out.getvalue(), "x.xlsx") == [(2, {"name": "X", "phone": "13800138000"})]


@pytest.mark.parametrize("data, message", [(b"", "empty"), (b"phone\n1\n", "lacks: name")])
def test_read_records_refuses_files_without_the_required_columns(data, message):
    with pytest.raises(TableError, match=message):
        records(data)
