"""POST /imports/opening-balances: a GBK CSV with Chinese headers, an XLSX with date and number
cells, row errors for unknown, ambiguous and taken customers, receivables following, the
error file, and the undo (and its refusal once money went against a balance)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shared.tabular import xlsx_bytes
from shared.testing.clients import seed_customer

pytestmark = pytest.mark.integration


@pytest.fixture
def rep(billing):
    return billing.user("sales")


def _post(client, data: bytes, filename: str = "期初.csv", **form):
    body = {"file": (io.BytesIO(data), filename), **form}
    return client.post("/imports/opening-balances", data=body, content_type="multipart/form-data")


def _customer(billing, rep, name: str) -> str:
    return seed_customer(billing.engine, rep.user["id"], name=name)


def _opening(billing, cid: str) -> Decimal | None:
    return billing.scalar("SELECT opening FROM receivables WHERE customer_id = :c", c=cid)


def test_gbk_csv_with_chinese_headers_and_row_errors(billing, finance, rep):
    tag = uuid.uuid4().hex[:8]
    a = _customer(billing, rep, f"甲贸易{tag}有限公司")
    b = _customer(billing, rep, f"乙科技{tag}")
    twin1, twin2 = _customer(billing, rep, f"丙{tag}"), _customer(billing, rep, f"丙 {tag}")
    taken = _customer(billing, rep, f"丁{tag}")
    assert finance.post("/opening-balances", json={"customer_id": taken, "amount": "5.00"}).status_code == 201
    text = ("客户名称,期初应收,截止日期,备注\n"
            f"甲贸易{tag}有限公司,\"12,000.50\",2025/12/31,上线前\n"
            f"ＡＢ乙科技{tag},1,,\n"              # unknown
            f"乙科技{tag},300,,\n"
            f"丙{tag},10,,\n"                     # two customers have that name
            f"丁{tag},10,,\n"                     # has an opening balance already
            f" 乙科技{tag} ,20,,\n"               # on an earlier row already
            f"戊{tag},-3,,\n")                    # bad amount (and unknown)
    r = _post(finance, text.encode("gbk"))
    assert r.status_code == 202, r.get_json()
    job = r.get_json()
    assert (job["status"], job["kind"], job["total"], job["processed"], job["created"], job["error_count"]) == (
        "done", "opening-balances", 7, 7, 2, 5)
    assert [(e["row"], e.get("field")) for e in job["errors"]] == [
        (3, "customer_name"), (5, "customer_name"), (6, "customer_name"), (7, "customer_name"), (8, "amount")]
    assert "2 customers" in job["errors"][1]["message"] and "row 4" in job["errors"][3]["message"]
    assert job["error_file"] == f"/imports/{job['id']}/error_file"
    assert finance.get(f"/opening-balances/imports/{job['id']}").get_json() == job

    assert _opening(billing, a) == Decimal("12000.50") and _opening(billing, b) == Decimal("300.00")
    assert _opening(billing, twin1) is None and _opening(billing, twin2) is None
    assert _opening(billing, taken) == Decimal("5.00")
    mine = finance.get("/opening-balances", query_string={"customer_id": a}).get_json()["items"][0]
    assert (mine["as_of"], mine["note"]) == ("2025-12-31", "上线前")
    row = finance.get("/receivables", query_string={"customer_id": a}).get_json()["items"][0]
    assert (row["opening_balance"], row["outstanding"]) == ("12000.50", "12000.50")
    [event] = billing.events("billing.opening_balance.recorded", a)
    assert event["data"]["amount"] == "12000.50" and event["customer_id"] == a

    errors = finance.get(f"/opening-balances/imports/{job['id']}/error_file")
    assert errors.status_code == 200 and errors.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(errors.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["客户名称", "期初应收", "截止日期", "备注", "error"]
    assert rows[1][0] == f"ＡＢ乙科技{tag}" and rows[1][-1].startswith("row 3: no customer")
    assert len(rows) == 6


def test_xlsx_with_dates_and_numbers_and_a_mapping(billing, finance, rep):
    tag = uuid.uuid4().hex[:8]
    a = _customer(billing, rep, f"Acme {tag} Ltd")
    # a deleted customer of the same name (a merged-away duplicate's tombstone) is not matched
    seed_customer(billing.engine, rep.user["id"], name=f"Acme {tag} Ltd", status="deleted")
    data = xlsx_bytes(["Account Name", "Balance", "As of", "Owner"],
                      [[f"ACME {tag} LTD", 1234.5, date(2026, 1, 15), "x"]])
    r = _post(finance, data, "export.xlsx")
    assert r.status_code == 202 and r.get_json()["created"] == 1, r.get_json()
    ob = finance.get("/opening-balances", query_string={"customer_id": a}).get_json()["items"][0]
    assert (ob["amount"], ob["as_of"]) == ("1234.50", "2026-01-15")

    b = _customer(billing, rep, f"Beta {tag}")
    mapped = _post(finance, f"Who,Sum,Memo\nBeta {tag},7,first\n".encode(), "m.csv",
                   mapping=json.dumps({"Who": "customer_name", "Sum": "amount", "Memo": None}))
    assert mapped.status_code == 202 and mapped.get_json()["created"] == 1
    assert finance.get("/opening-balances", query_string={"customer_id": b}).get_json()["items"][0]["note"] is None


def test_bad_files_roles_and_visibility(billing, finance, rep):
    assert _post(rep, b"name,amount\nx,1\n").status_code == 403
    assert _post(billing.user("manager"), b"name,amount\nx,1\n").status_code == 403
    missing = _post(finance, "客户名称,备注\n甲,1\n".encode())
    assert missing.status_code == 422
    bad_map = _post(finance, b"a,b\nx,1\n", mapping=json.dumps({"a": "phone"}))
    assert bad_map.status_code == 422 and "a" in bad_map.get_json()["error"]["details"]["mapping"]
    too_many = _post(finance, ("customer,amount\n" + "x,1\n" * 5001).encode())
    assert too_many.status_code == 413
    job = _post(finance, b"customer,amount\nnobody-here,1\n").get_json()
    # another finance user sees it (finance's imports); a rep neither finds it nor lists it
    assert billing.user("admin").get(f"/opening-balances/imports/{job['id']}").status_code == 200
    assert rep.get(f"/opening-balances/imports/{job['id']}").status_code == 404
    assert rep.get("/opening-balances/imports").get_json()["items"] == []
    assert any(i["id"] == job["id"] for i in finance.get("/opening-balances/imports",
                                                          query_string={"per_page": 200}).get_json()["items"])
    assert rep.post(f"/opening-balances/imports/{job['id']}/undo").status_code == 404


def test_undo_removes_the_balances_and_receivables_follow(billing, finance, rep):
    tag = uuid.uuid4().hex[:8]
    a, b = _customer(billing, rep, f"撤销甲{tag}"), _customer(billing, rep, f"撤销乙{tag}")
    job = _post(finance, f"客户名称,期初余额\n撤销甲{tag},100\n撤销乙{tag},200\n".encode()).get_json()
    assert job["created"] == 2 and _opening(billing, a) == Decimal("100.00")
    undone = finance.post(f"/opening-balances/imports/{job['id']}/undo")
    assert undone.status_code == 202, undone.get_json()
    assert (undone.get_json()["status"], undone.get_json()["undone"]) == ("undone", 2)
    assert _opening(billing, a) == Decimal("0.00") and _opening(billing, b) == Decimal("0.00")
    assert billing.scalar("SELECT count(*) FROM opening_balances WHERE customer_id IN (:a, :b)", a=a, b=b) == 0
    [removed] = billing.events("billing.opening_balance.removed", a)
    assert removed["data"] == {"customer_id": a, "amount": "100.00", "as_of": datetime.now(UTC).date().isoformat(),
                               "note": None, "import_id": job["id"]}
    row = finance.get("/receivables", query_string={"customer_id": a}).get_json()["items"][0]
    assert row["opening_balance"] == "0.00" and row["outstanding"] == "0.00"
    again = finance.post(f"/opening-balances/imports/{job['id']}/undo")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "import_not_undoable"
    # the customers are free again: a corrected file imports them
    assert _post(finance, f"客户名称,期初余额\n撤销甲{tag},150\n".encode()).get_json()["created"] == 1


def test_undo_is_refused_once_a_payment_went_against_a_balance(billing, finance, rep):
    tag = uuid.uuid4().hex[:8]
    a, b = _customer(billing, rep, f"已收款{tag}"), _customer(billing, rep, f"未收款{tag}")
    job = _post(finance, f"客户名称,期初余额\n已收款{tag},100\n未收款{tag},200\n".encode()).get_json()
    # a prepayment is credit (not paid): it does not block
    assert finance.post("/payments", json={"customer_id": b, "amount": "30.00", "method": "cash"}).status_code == 201
    oid = billing.order(a, rep, "50.00")
    assert finance.post("/payments", json={"customer_id": a, "order_id": oid, "amount": "30.00",
                                           "method": "cash"}).status_code == 201
    refused = finance.post(f"/opening-balances/imports/{job['id']}/undo")
    assert refused.status_code == 409, refused.get_json()
    error = refused.get_json()["error"]
    assert error["code"] == "import_in_use"
    assert [(c["customer_id"], c["name"], c["code"]) for c in error["details"]["customers"]] == [
        (a, f"已收款{tag}", "payment")]
    assert _opening(billing, a) == Decimal("100.00") and _opening(billing, b) == Decimal("200.00")
    assert finance.get(f"/opening-balances/imports/{job['id']}").get_json()["status"] == "done"
