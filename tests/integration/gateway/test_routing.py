"""Forwarding to the services: path, query, body, uploads, identity, request ids,
streamed answers, unknown segments, downed and slow services."""

from __future__ import annotations

import jwt

from shared.identity import verify_identity


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
