"""Forwarding to the services: path, query, body, uploads, identity, request ids,
streamed answers, unknown segments, downed and slow services."""

from __future__ import annotations

import io
import time

import jwt

from gateway.bootstrap import create_app
from shared.identity import verify_identity
from tests.integration.gateway.conftest import CLOSED_PORT_URL, Caller, login


def test_forwards_path_query_body_and_identity(admin, make_user):
    sales = make_user("sales")
    response = sales.post("/orders/abc/cancel?reason=%E5%AE%A2%E6%88%B7&x=1", json={"note": "客户要求"},
                          headers={"X-Request-ID": "req-forward-1", "X-CRM-Identity": "spoofed"})
    assert response.status_code == 201
    echo = response.get_json()
    assert echo["service"] == "sales"
    assert echo["path"] == "/orders/abc/cancel"
    assert echo["query"] == "reason=%E5%AE%A2%E6%88%B7&x=1"
    assert echo["method"] == "POST" and echo["content_type"] == "application/json"
    assert '"note": "客户要求"' in echo["body"] or '"note":"客户要求"' in echo["body"]
    assert echo["user_id"] == sales.user["id"] and echo["role"] == "sales"  # the spoofed header was replaced
    assert echo["request_id"] == "req-forward-1"
    assert echo["authorization"] is None  # the user's token stays at the gateway
    assert response.headers["X-Request-ID"] == "req-forward-1"


def test_every_segment_reaches_its_service(admin):
    expected = {"customers": "customer", "leads": "customer", "opportunities": "sales", "stock": "inventory",
                "loans": "inventory", "payments": "billing", "prepayments": "billing", "timeline": "tracking",
                "notifications": "tracking"}
    for segment, service in expected.items():
        response = admin.get(f"/{segment}")
        assert response.status_code == 200 and response.get_json()["service"] == service, segment


def test_request_id_generated_when_absent_or_invalid(admin):
    response = admin.get("/customers")
    generated = response.headers["X-Request-ID"]
    assert len(generated) == 36 and response.get_json()["request_id"] == generated
    weird = admin.get("/customers", headers={"X-Request-ID": "bad id\twith spaces"})
    assert weird.headers["X-Request-ID"] != "bad id\twith spaces"


def test_identity_header_is_short_lived(admin, gateway_settings):
    echo = admin.get("/customers/identity-check").get_json()
    principal = verify_identity(echo["identity"], gateway_settings.internal_secret)
    assert principal.user_id == admin.user["id"] and principal.role == "admin"
    claims = jwt.decode(echo["identity"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] <= 120


def test_multipart_upload_forwarded(admin):
    data = {"file": (io.BytesIO("name,phone\n上海贸易有限公司,021-1234\n".encode()), "customers.csv"),
            "mode": "merge"}
    response = admin.post("/imports/customers", data=data, content_type="multipart/form-data")
    assert response.status_code == 201
    echo = response.get_json()
    assert echo["files"] == {"file": "name,phone\n上海贸易有限公司,021-1234\n"}
    assert echo["form"] == {"mode": "merge"}
    assert echo["content_type"].startswith("multipart/form-data; boundary=")


def test_file_answers_keep_type_and_disposition(admin):
    response = admin.get("/exports/file")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="export.csv"'
    assert response.get_data().decode() == "名字,电话\n" * 3


def test_large_answers_are_streamed(admin):
    response = admin.get("/exports/big")
    assert response.status_code == 200
    assert response.is_streamed
    assert len(response.get_data()) == 3 * 1024 * 1024


def test_unknown_segment_404_error_body(admin):
    response = admin.get("/no-such-thing/1")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert admin.get("/").status_code == 404
    assert admin.open("PUT", "/users").status_code == 405


def test_upstream_html_error_becomes_json(admin):
    response = admin.get("/customers/crash")
    assert response.status_code == 502
    assert response.get_json()["error"]["code"] == "bad_gateway"


def test_downed_service_is_503_quickly(gateway_settings, gateway_config):
    config = gateway_config.with_(upstreams={**gateway_config.upstreams, "billing": CLOSED_PORT_URL})
    client = create_app(gateway_settings, config).test_client()
    caller = Caller(client, login(client, "admin", "admin-pass"))
    for method in ("GET", "POST"):
        started = time.monotonic()
        response = caller.open(method, "/invoices", headers={"X-Request-ID": "req-down"}, json={})
        elapsed = time.monotonic() - started
        assert response.status_code == 503, method
        body = response.get_json()
        assert body["error"]["code"] == "service_unavailable" and body["error"]["details"]["service"] == "billing"
        assert response.headers["X-Request-ID"] == "req-down"
        assert elapsed < 2.5
    assert caller.get("/customers").status_code == 200  # the others still work


def test_slow_service_times_out_with_error_body(admin, gateway_config):
    started = time.monotonic()
    response = admin.get("/reports/slow", query_string={"s": "5"})
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.get_json()["error"]["code"] == "upstream_timeout"
    assert elapsed < gateway_config.read_timeout + 1.0  # one wait, not retried
