"""GET /imports through the gateway: the customer service's and inventory's imports in one
list, newest first, paged; an error answer of either service is the answer."""

from __future__ import annotations

import json

from flask import Flask, Response

from gateway.import_list import merged

SOURCES = (("customer", "/imports"), ("inventory", "/products/imports"))


def _item(i: int, kind: str) -> dict:
    return {"id": f"{kind}-{i:03}", "kind": kind, "created_at": f"2026-11-30T10:{i // 60:02}:{i % 60:02}+00:00"}


def _service(items: list[dict], calls: list):
    def answer(query: str) -> Response:
        args = dict(p.split("=") for p in query.split("&"))
        page, per_page = int(args["page"]), int(args["per_page"])
        calls.append((page, per_page))
        newest = sorted(items, key=lambda i: i["created_at"], reverse=True)
        body = {"items": newest[(page - 1) * per_page: page * per_page], "total": len(items), "page": page,
                "per_page": per_page}
        return Response(json.dumps(body), status=200, content_type="application/json")
    return answer


def _run(query: str, customer: list[dict], products: list[dict], *, failing: str | None = None):
    app = Flask("t")
    calls: dict[str, list] = {"customer": [], "inventory": []}
    services = {"customer": _service(customer, calls["customer"]), "inventory": _service(products, calls["inventory"])}

    def fetch(service: str, path: str, q: str) -> Response:
        assert path == dict(SOURCES)[service]
        if service == failing:
            return Response('{"error": {"code": "forbidden"}}', status=403, content_type="application/json")
        return services[service](q)

    with app.test_request_context(f"/api/v1/imports?{query}"):
        answer = merged(fetch, SOURCES)
        return answer.status_code, answer.get_json(), calls


def test_merged_newest_first_and_paged():
    customer = [_item(i, "customers") for i in range(0, 30, 2)]   # 15, even seconds
    products = [_item(i, "products") for i in range(1, 30, 2)]    # 15, odd seconds
    status, body, _calls = _run("page=1&per_page=4", customer, products)
    assert status == 200 and body["total"] == 30 and (body["page"], body["per_page"]) == (1, 4)
    assert [i["id"] for i in body["items"]] == ["products-029", "customers-028", "products-027", "customers-026"]
    status, body, _calls = _run("page=8&per_page=4", customer, products)
    assert [i["id"] for i in body["items"]] == ["products-001", "customers-000"]


def test_a_deep_page_reads_as_many_pages_as_it_needs():
    customer = [_item(i, "customers") for i in range(450)]
    status, body, calls = _run("page=3&per_page=200", customer, [])
    assert status == 200 and len(body["items"]) == 50 and body["total"] == 450
    assert calls["customer"] == [(1, 200), (2, 200), (3, 200)] and calls["inventory"] == [(1, 200)]


def test_an_error_of_either_service_is_the_answer():
    status, body, _calls = _run("", [_item(1, "customers")], [], failing="inventory")
    assert status == 403 and body["error"]["code"] == "forbidden"
