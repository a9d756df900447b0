"""Routing table, idempotency hashing, OpenAPI building and merging."""

from __future__ import annotations

from flask import Blueprint, Flask
from marshmallow import Schema, fields

from gateway.idempotency import check_key, request_hash
from gateway.proxy import import_fallback, import_fallbacks, route_for
from shared.errors import ValidationFailed
from shared.openapi import api_doc, build_openapi, merge_documents, openapi_path, register_openapi


def test_route_for_each_service():
    assert route_for("customers/1/contacts") == ("customer", "/customers/1/contacts")
    assert route_for("custom-fields") == ("customer", "/custom-fields")
    assert route_for("orders") == ("sales", "/orders")
    assert route_for("purchase-orders/x/receive") == ("inventory", "/purchase-orders/x/receive")
    assert route_for("exchange-rates") == ("billing", "/exchange-rates")
    assert route_for("reports/funnel") == ("tracking", "/reports/funnel")
    assert route_for("nothing-here") is None
    assert route_for("") is None


def test_product_imports_route_to_inventory_and_import_jobs_fall_back_to_it():
    assert route_for("imports/products") == ("inventory", "/imports/products")
    assert route_for("/imports/products/") == ("inventory", "/imports/products/")
    assert route_for("imports/customers") == ("customer", "/imports/customers")
    assert route_for("imports/preview") == ("customer", "/imports/preview")
    assert route_for("imports/abc") == ("customer", "/imports/abc")
    assert route_for("products/imports") == ("inventory", "/products/imports")
    # an import job: asked of the customer service first, then of inventory at its own path
    assert import_fallback("imports/abc") == ("inventory", "/products/imports/abc")
    assert import_fallback("imports/abc/error_file") == ("inventory", "/products/imports/abc/error_file")
    assert import_fallback("imports/abc/undo") == ("inventory", "/products/imports/abc/undo")
    for path in ("imports", "imports/customers", "imports/products", "imports/preview", "imports/leads",
                 "imports/abc/other", "imports/customers/preview", "customers/abc"):
        assert import_fallback(path) is None, path
    # GET /jobs/{id}: a product import is a job too; a bulk change's undo never falls back
    assert import_fallback("jobs/abc") == ("inventory", "/products/imports/abc/job")
    assert import_fallback("jobs/abc", "POST") is None
    assert import_fallback("jobs/abc/undo") is None and import_fallback("jobs") is None


def test_opening_balance_imports_route_to_billing_and_import_jobs_fall_back_to_it():
    assert route_for("imports/opening-balances") == ("billing", "/imports/opening-balances")
    assert route_for("opening-balances/imports") == ("billing", "/opening-balances/imports")
    assert import_fallbacks("imports/opening-balances") == []
    assert import_fallbacks("imports/abc/undo", "POST") == [("inventory", "/products/imports/abc/undo"),
                                                           ("billing", "/opening-balances/imports/abc/undo")]
    assert import_fallbacks("imports/abc/error_file")[-1] == ("billing", "/opening-balances/imports/abc/error_file")
    assert import_fallbacks("jobs/abc")[-1] == ("billing", "/opening-balances/imports/abc/job")


def test_request_hash_distinguishes_parts():
    base = request_hash("POST", "/api/v1/orders", b"", b'{"a":1}')
    assert base == request_hash("POST", "/api/v1/orders", b"", b'{"a":1}')
    assert base != request_hash("POST", "/api/v1/orders", b"", b'{"a":2}')
    assert base != request_hash("PATCH", "/api/v1/orders", b"", b'{"a":1}')
    assert base != request_hash("POST", "/api/v1/quotes", b"", b'{"a":1}')
    assert request_hash("POST", "/a", b"b", b"") != request_hash("POST", "/ab", b"", b"")


def test_idempotency_key_validation():
    assert check_key(" abc ") == "abc"
    for bad in ("", "x" * 201, "bad\x00key"):
        try:
            check_key(bad)
        except ValidationFailed:
            continue
        raise AssertionError(f"{bad!r} accepted")


class ThingIn(Schema):
    name = fields.String(required=True)


class ThingOut(Schema):
    id = fields.String()
    name = fields.String()


def make_app() -> Flask:
    app = Flask("t")
    bp = Blueprint("things", __name__)

    @bp.post("/things")
    @api_doc(body=ThingIn, response=ThingOut, status=201, summary="Create a thing", responses={409: "dup"})
    def create_thing():
        return {}

    @bp.get("/things/<uuid:thing_id>")
    def get_thing(thing_id):
        """Read a thing."""
        return {}

    app.register_blueprint(bp)
    register_openapi(app, "things")
    register_openapi(app, "things")  # a second call (service + ServiceRoot) is harmless
    return app


def test_openapi_path_conversion():
    path, params = openapi_path("/things/<uuid:thing_id>/parts/<int:n>/<name>")
    assert path == "/things/{thing_id}/parts/{n}/{name}"
    assert [p["name"] for p in params] == ["thing_id", "n", "name"]
    assert params[0]["schema"] == {"type": "string", "format": "uuid"}


def test_build_and_serve_document():
    app = make_app()
    doc = app.test_client().get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/openapi.json" not in doc["paths"]
    post = doc["paths"]["/things"]["post"]
    assert post["summary"] == "Create a thing"
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ThingIn"}
    assert "201" in post["responses"] and "409" in post["responses"]
    assert doc["components"]["schemas"]["ThingIn"]["required"] == ["name"]
    get = doc["paths"]["/things/{thing_id}"]["get"]
    assert get["summary"] == "Read a thing."
    assert get["parameters"][0]["name"] == "thing_id"


def test_merge_prefixes_paths_and_namespaces_schemas():
    app = make_app()
    with app.app_context():
        service_doc = build_openapi(app, "things")
    base = {"openapi": "3.0.3", "info": {"title": "all", "version": "1"}, "paths": {"/api/v1/auth/login": {}},
            "components": {"schemas": {"ThingIn": {"type": "string"}}}}
    merged = merge_documents(base, {"customer": service_doc, "sales": service_doc})
    assert "/api/v1/auth/login" in merged["paths"]
    assert "/api/v1/things/{thing_id}" in merged["paths"]
    schemas = merged["components"]["schemas"]
    assert schemas["ThingIn"] == {"type": "string"}  # the base's own schema is untouched
    assert "customer.ThingIn" in schemas and "sales.ThingOut" in schemas
    ref = merged["paths"]["/api/v1/things"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert ref["$ref"] in ("#/components/schemas/customer.ThingIn", "#/components/schemas/sales.ThingIn")


def test_only_a_calendar_feed_read_goes_without_a_bearer_token():
    from gateway.auth import is_public_feed, needs_auth

    feed = "/api/v1/calendar/feed/" + "Ab_-" * 11 + ".ics"
    assert is_public_feed(feed) and not needs_auth(feed, "GET")
    assert needs_auth(feed, "POST") and needs_auth(feed, "DELETE")
    for path in ("/api/v1/calendar/feed", "/api/v1/calendar", "/api/v1/calendar/feed/short.ics",
                 "/api/v1/calendar/feed/" + "A" * 43 + ".ics/x", "/api/v1/calendar/feed/../tasks" + "A" * 40 + ".ics",
                 "/api/v1/tasks/" + "A" * 43 + ".ics"):
        assert needs_auth(path, "GET"), path
    assert route_for("/tasks/1") == ("customer", "/tasks/1")
    assert route_for("/calendar/feed") == ("customer", "/calendar/feed")


def test_a_campaign_unsubscribe_link_goes_without_a_bearer_token():
    from gateway.auth import is_public_feed, needs_auth
    from services.customer.domain.campaigns import unsubscribe_token

    token = unsubscribe_token("k" * 40, "li.si@example.cn", "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d")
    link = f"/api/v1/campaigns/unsubscribe/{token}"
    assert is_public_feed(link) and not needs_auth(link, "GET")
    assert needs_auth(link, "POST") and needs_auth(link, "DELETE")
    for path in ("/api/v1/campaigns", "/api/v1/campaigns/5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
                 "/api/v1/campaigns/unsubscribe/short.x", f"/api/v1/campaigns/unsubscribe/{token}/x",
                 "/api/v1/campaigns/5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d/members"):
        assert needs_auth(path, "GET"), path
    assert route_for("/campaigns/x/roi") == ("customer", "/campaigns/x/roi")


def test_a_public_call_never_passes_as_a_user():
    import pytest

    from shared.identity import (
        InvalidIdentity,
        sign_identity,
        sign_public_call,
        verify_identity,
        verify_public_call,
    )

    secret = "s" * 40
    with pytest.raises(InvalidIdentity):
        verify_identity(sign_public_call(secret), secret)
    from shared.identity import Principal

    with pytest.raises(InvalidIdentity):
        verify_public_call(sign_identity(Principal("u", "sales"), secret), secret)
    verify_public_call(sign_public_call(secret), secret)
    with pytest.raises(InvalidIdentity):
        verify_public_call(sign_public_call("x" * 40), secret)
