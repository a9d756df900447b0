"""The merged OpenAPI document, built from the code (no running suite): every blueprint
route of every service and of the gateway is in it, with a unique operationId, a tag,
the error body, a schema for every 2xx answer with a body and for every request body
a view reads; and it is a valid OpenAPI 3 document."""

from __future__ import annotations

import inspect
import re

import pytest
from openapi_spec_validator import validate

from shared.config import SERVICES
from shared.openapi import DOC_ATTR, openapi_path
from shared.testing.openapi_docs import (
    coverage,
    gateway_app,
    gateway_document,
    merged_document,
    operations,
    service_app,
    service_document,
)

SKIP = {"static", "healthz", "readyz", "openapi_json"}
READS_BODY = re.compile(r"(?<![.\w])(load|json_body|read_upload)\(|request\.(files|form|get_json|json)\b")
# views whose shared helper reads a body for the other actions only
NO_BODY = {"POST /expenses/<expense_id>/pay"}


@pytest.fixture(scope="module")
def document():
    return merged_document()


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, app.view_functions[rule.endpoint]


@pytest.mark.parametrize("service", SERVICES)
def test_every_blueprint_route_of_every_service_is_in_the_document(service, document):
    app = service_app(service)
    own = service_document(service)
    routes = list(_routes(app))
    assert len(routes) > 10
    missing = [f"{method} {rule.rule}" for rule, method, _ in routes
               if method.lower() not in document["paths"].get("/api/v1" + openapi_path(rule.rule)[0], {})]
    assert not missing, missing
    assert sum(len(ops) for ops in own["paths"].values()) == len(routes)


def test_every_gateway_api_route_is_in_the_document(document):
    routes = [(rule, method) for rule, method, _ in _routes(gateway_app())]
    assert len(routes) >= 10
    for rule, method in routes:
        assert method.lower() in document["paths"][openapi_path(rule.rule)[0]], (method, rule.rule)
    assert gateway_document()["paths"]


def test_every_view_that_reads_a_body_declares_its_schema():
    undeclared = []
    for app in [gateway_app(), *(service_app(s) for s in SERVICES)]:
        for rule, method, view in _routes(app):
            source = inspect.getsource(view)
            helpers = " ".join(inspect.getsource(f) for f in view.__globals__.values()
                               if inspect.isfunction(f) and f.__module__ == view.__module__
                               and f.__name__ != view.__name__ and re.search(rf"\b{f.__name__}\(", source))
            if f"{method} {rule.rule}" in NO_BODY:
                assert READS_BODY.search(helpers) and not READS_BODY.search(source)
                continue
            if READS_BODY.search(source + helpers) and not (getattr(view, DOC_ATTR, None) or {}).get("body"):
                undeclared.append(f"{method} {rule.rule}")
    assert not undeclared, undeclared


def test_document_is_valid_and_complete(document):
    validate(document)
    counts = coverage(document)
    assert counts["operations"] > 150
    assert counts["with_response_schema"] == counts["operations"], counts
    assert counts["with_error_schema"] == counts["operations"] == counts["tagged"], counts
    assert counts["repeated_operation_ids"] == [], counts
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))


def test_errors_and_lists_use_the_shared_shapes(document):
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    lists = 0
    for method, path, op in operations(document):
        for status, answer in op["responses"].items():
            if not status.startswith("2"):
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        ok = next(a for s, a in op["responses"].items() if s.startswith("2"))
        ref = ((ok.get("content") or {}).get("application/json") or {}).get("schema", {}).get("$ref", "")
        if ref.endswith("Page"):
            page = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
            assert {"items", "total", "page", "per_page"} <= set(page["properties"]), (method, path)
            assert page["properties"]["items"]["type"] == "array", (method, path)
            lists += 1
    assert lists > 40


def test_tags_are_the_services(document):
    assert {t["name"] for t in document["tags"]} == {"gateway", *SERVICES}
    for _, path, op in operations(document):
        assert len(op["tags"]) == 1, path


def test_views_of_one_name_in_two_blueprints_get_two_operation_ids():
    from flask import Blueprint, Flask

    from shared.openapi import build_openapi

    app = Flask("things")
    for name in ("quotes", "orders"):
        bp = Blueprint(name, __name__)
        bp.add_url_rule(f"/{name}", "create", lambda: "", methods=["POST"])
        bp.add_url_rule(f"/{name}/<thing_id>", "get", lambda thing_id: "", methods=["GET", "DELETE"])
        app.register_blueprint(bp)
    with app.app_context():
        doc = build_openapi(app, "things")
    ids = sorted(op["operationId"] for _, _, op in operations(doc))
    assert ids == ["orders_create", "orders_get_delete", "orders_get_get", "quotes_create", "quotes_get_delete",
                   "quotes_get_get"]
    assert all(op["tags"] == ["things"] for _, _, op in operations(doc))
    assert "404" in doc["paths"]["/orders/{thing_id}"]["get"]["responses"]
    assert "409" in doc["paths"]["/orders"]["post"]["responses"] and "404" not in doc["paths"]["/orders"]["post"][
        "responses"]


def test_page_of_and_component_names():
    from marshmallow import Schema, fields

    from shared.openapi import page_of, schema_name

    class Thing(Schema):
        name = fields.String(required=True)
        size = fields.Integer()

    assert page_of(Thing) is page_of(Thing)
    assert page_of(Thing).__name__ == "ThingPage"
    assert set(page_of(Thing)._declared_fields) == {"items", "total", "page", "per_page"}
    assert schema_name(Thing) == "Thing"
    assert schema_name(Thing(partial=True)) == "ThingPartial"
    assert schema_name(Thing(only=("size", "name"), partial=True)) == "Thing_name_sizePartial"
    assert schema_name(Thing(exclude=("size",))) == "Thing_without_size"
