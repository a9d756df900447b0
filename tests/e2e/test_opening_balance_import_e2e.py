"""Opening balances imported through the gateway (issue 17): POST /imports/opening-balances goes
to billing, the answer is the finished import in the shape GET /imports/{id} gives (and the
gateway finds it there after the customer service and inventory answer 404), rows name
customers billing knows by name (unknown ones and repeats are row errors; the customer
service keeps names unique, ambiguous names are covered by the integration tests), the receivables
follow, the import shows in GET /imports and GET /jobs/{id}, the error file downloads, the
undo removes the balances, and roles other than finance and admin are refused."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from shared.tabular import xlsx_bytes
from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e

_TYPES = {"string": str, "integer": int, "array": list, "object": dict, "boolean": bool}


@pytest.fixture(scope="module")
def people(admin):
    return {"rep": admin.create_user("sales"), "finance": admin.create_user("finance")}


def _customer(rep, finance, name: str) -> str:
    cid = rep.post("/customers", json={"name": name}).json()["id"]

    def known():  # billing's copy follows the customer service by events
        r = finance.get("/receivables", params={"q": name})
        return any(i["customer_id"] == cid for i in r.json()["items"]) or None
    eventually(known, timeout=30, interval=0.3)
    return cid


def _opening(finance, cid: str) -> str:
    return finance.get("/receivables", params={"customer_id": cid}).json()["items"][0]["opening_balance"]


def _shaped_as_documented(client, job: dict) -> None:
    doc = client.get("/openapi.json").json()
    ref = doc["paths"]["/api/v1/imports/{job_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    schema = doc["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    assert set(job) == set(schema["properties"]), set(job) ^ set(schema["properties"])
    for name, prop in schema["properties"].items():
        if job[name] is None:
            assert prop.get("nullable"), name
        elif prop.get("type") in _TYPES:
            assert isinstance(job[name], _TYPES[prop["type"]]), (name, job[name])


def test_opening_balances_import_and_undo_through_the_gateway(people, admin):
    rep, finance = people["rep"], people["finance"]
    tag = uuid.uuid4().hex[:8]
    a = _customer(rep, finance, f"期初导入甲{tag}")
    b = _customer(rep, finance, f"期初导入乙{tag}")
    text = (f"单位名称,期初欠款,日期,备注\n期初导入甲{tag},1500,2025-12-31,老系统\n"
            f"期初导入乙{tag},\"2,000.25\",,\n没有这个客户{tag},10,,\n期初导入甲{tag},10,,\n")
    r = finance.post("/imports/opening-balances", files={"file": ("期初.csv", text.encode("gbk"), "text/csv")})
    assert r.status_code == 202, r.text
    job = r.json()
    assert (job["status"], job["kind"], job["total"], job["created"], job["error_count"]) == (
        "done", "opening-balances", 4, 2, 2), job
    assert [(e["row"], e["field"]) for e in job["errors"]] == [(4, "customer_name"), (5, "customer_name")]
    fetched = finance.get(f"/imports/{job['id']}")
    assert fetched.status_code == 200 and fetched.json() == job
    _shaped_as_documented(finance, job)
    assert finance.get(f"/jobs/{job['id']}").json()["kind"] == "import"
    assert (_opening(finance, a), _opening(finance, b)) == ("1500.00", "2000.25")
    listed = finance.get("/imports", params={"per_page": 200}).json()
    assert [i["kind"] for i in listed["items"] if i["id"] == job["id"]] == ["opening-balances"]
    errors = finance.get(job["error_file"])
    assert errors.status_code == 200 and errors.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(errors.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "error" and rows[1][0] == f"没有这个客户{tag}" and len(rows) == 3

    # a rep may neither import nor see the import nor undo it
    assert rep.post("/imports/opening-balances",
                    files={"file": ("x.csv", b"customer,amount\nx,1\n", "text/csv")}).status_code == 403
    assert rep.get(f"/imports/{job['id']}").status_code == 404
    assert rep.post(f"/imports/{job['id']}/undo").status_code in (403, 404)

    # a prepayment is credit, not money against the balance: the undo goes ahead
    assert finance.post("/payments", json={"customer_id": a, "amount": "100.00",
                                           "method": "bank_transfer"}).status_code == 201
    undone = finance.post(f"/imports/{job['id']}/undo")
    assert undone.status_code == 202 and undone.json()["undone"] == 2, undone.text
    assert (_opening(finance, a), _opening(finance, b)) == ("0.00", "0.00")
    again = finance.post(f"/imports/{job['id']}/undo")
    assert again.status_code == 409 and again.json()["error"]["code"] == "import_not_undoable"

    # an XLSX export with English headers, undone through the gateway
    c = _customer(rep, finance, f"Opening {tag}")
    data = xlsx_bytes(["Account Name", "Opening Balance", "As of"], [[f"opening {tag}", 321.5, None]])
    r = admin.post("/imports/opening-balances", files={"file": ("e.xlsx", data)})
    assert r.status_code == 202 and r.json()["created"] == 1, r.text
    assert _opening(finance, c) == "321.50"
    undone = admin.post(f"/imports/{r.json()['id']}/undo")
    assert undone.status_code == 202 and undone.json()["status"] == "undone", undone.text
    assert _opening(finance, c) == "0.00"
    assert finance.get(f"/imports/{r.json()['id']}").json()["undone"] == 1
