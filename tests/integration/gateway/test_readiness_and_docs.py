"""/healthz, /readyz across the services, the merged OpenAPI document, the docs page,
and the identity header accepted by a real service (tracking)."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from gateway.bootstrap import create_app
from services.tracking.bootstrap import create_app as create_tracking_app
from shared.testing.fixtures import eventually
from tests.integration.gateway.conftest import CLOSED_PORT_URL, Caller, ServerThread, login


def test_healthz_needs_no_token(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"
    assert response.headers["X-Request-ID"]


def test_readyz_names_the_gateway_relay_when_it_is_down(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert "gateway (relay)" in error["message"]
    assert error["details"]["failed"] == {
        "gateway": "relay: no session of the gateway relay on its database: the relay is down"}


@pytest.fixture
def gateway_relay(gateway_settings, run_in_thread):
    """The gateway's relay running: /readyz names it when it is not. (Stopped in its thread,
    its pooled sessions stay, as if it ran: the test above, which needs none, comes first.)"""
    from gateway.bootstrap import root

    return run_in_thread(root.relay(gateway_settings))


def test_readyz_all_ready(client, gateway_relay):
    response = eventually(lambda: (r := client.get("/readyz")).status_code == 200 and r, timeout=15)
    assert sorted(response.get_json()["services"]) == ["billing", "customer", "inventory", "sales", "tracking"]


def test_readyz_names_the_services_that_are_down(gateway_settings, gateway_config, gateway_relay):
    upstreams = {**gateway_config.upstreams, "inventory": CLOSED_PORT_URL, "sales": CLOSED_PORT_URL}
    client = create_app(gateway_settings, gateway_config.with_(upstreams=upstreams)).test_client()
    eventually(lambda: "gateway" not in client.get("/readyz").get_json()["error"]["details"]["failed"],
               timeout=15)
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "not_ready"
    assert sorted(error["details"]["failed"]) == ["inventory", "sales"]
    assert "customer" in error["details"]["ready"]
    # the pods' readiness probe (deploy/k8s): the gateway itself is ready, its database answers
    own = client.get("/readyz?scope=gateway")
    assert own.status_code == 200 and own.get_json() == {"status": "ready", "scope": "gateway"}


def test_merged_openapi_document(gateway_settings, gateway_config):
    upstreams = {**gateway_config.upstreams, "billing": CLOSED_PORT_URL}
    client = create_app(gateway_settings, gateway_config.with_(upstreams=upstreams)).test_client()
    response = client.get("/api/v1/openapi.json")  # public: no token needed
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    assert {"/api/v1/auth/login", "/api/v1/auth/me", "/api/v1/users", "/api/v1/users/{user_id}"} <= set(paths)
    assert "/api/v1/customer-things" in paths and "/api/v1/tracking-things" in paths
    assert "/api/v1/billing-things" not in paths
    assert "billing" in doc["info"]["x-services-missing"]
    assert paths["/api/v1/auth/login"]["post"]["security"] == []
    query = {p["name"] for p in paths["/api/v1/users"]["get"]["parameters"] if p["in"] == "query"}
    assert {"page", "per_page", "role", "manager_id", "active", "q"} <= query
    ref = paths["/api/v1/sales-things"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/sales.Thing" and "sales.Thing" in doc["components"]["schemas"]
    login_body = paths["/api/v1/auth/login"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert doc["components"]["schemas"][login_body["$ref"].rsplit("/", 1)[1]]["required"] == ["password", "username"]


def test_docs_page_served_offline(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and b"swagger-ui" in page.get_data()
    assert b"http" not in page.get_data().replace(b"http-equiv", b"")  # no external assets
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-standalone-preset.js", "init.js"):
        response = client.get(f"/api/v1/docs/static/{asset}")
        assert response.status_code == 200, asset
        assert len(response.get_data()) > 20


def test_real_service_accepts_the_gateway_identity_and_rejects_others(service_settings, gateway_settings,
                                                                       gateway_config):
    tracking_settings = service_settings("tracking").with_(internal_secret=gateway_settings.internal_secret)
    with ServerThread(create_tracking_app(tracking_settings)) as tracking:
        config = gateway_config.with_(upstreams={**gateway_config.upstreams, "tracking": tracking.url})
        client = create_app(gateway_settings, config).test_client()
        admin = Caller(client, login(client, "admin", "admin-pass"))
        customer_id = str(uuid.uuid4())
        through = admin.get("/timeline", query_string={"customer_id": customer_id},
                            headers={"X-Request-ID": "req-tracking"})
        assert through.status_code == 200, through.get_json()
        body = through.get_json()
        assert body["items"] == [] and body["total"] == 0 and body["page"] == 1
        assert through.headers["X-Request-ID"] == "req-tracking"
        missing = admin.get("/timeline")
        assert missing.status_code == 422  # the service's own validation answer passes through
        direct = requests.get(f"{tracking.url}/timeline", params={"customer_id": customer_id}, timeout=5)
        assert direct.status_code == 401
        assert direct.json()["error"]["code"] == "not_authenticated"
        forged = requests.get(f"{tracking.url}/timeline", params={"customer_id": customer_id}, timeout=5,
                              headers={"X-CRM-Identity": "forged.token.value"})
        assert forged.status_code == 401


def test_portal_static_files_are_public_and_api_paths_are_not_files(client):
    index = client.get("/")
    assert index.status_code == 200 and "text/html" in index.headers["Content-Type"]
    assert client.get("/../gateway/app.py").status_code == 404
    assert client.get("/no-such-file.js").status_code == 404
    missing = client.get("/api/v1")
    assert missing.status_code in (401, 404) and "error" in missing.get_json()


def test_gateway_database_down_is_503_not_500(gateway_settings, gateway_config):
    from gateway.app import create_gateway_app
    from gateway.context import build_context

    dead = gateway_settings.with_(database_url="postgresql+psycopg://postgres@127.0.0.1:9/nothing")
    ctx = build_context(dead, gateway_config)
    client = create_gateway_app(ctx).test_client()
    login_attempt = client.post("/api/v1/auth/login", json={"username": "admin", "password": "admin-pass"})
    assert login_attempt.status_code == 503
    assert login_attempt.get_json()["error"]["code"] == "service_unavailable"
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "gateway" in ready.get_json()["error"]["details"]["failed"]
    own = client.get("/readyz?scope=gateway")
    assert own.status_code == 503 and list(own.get_json()["error"]["details"]["failed"]) == ["gateway"]
    import uuid

    token = ctx.tokens.issue(str(uuid.uuid4()), "admin", str(uuid.uuid4()))
    call = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"})  # the session lookup
    assert call.status_code == 503 and call.get_json()["error"]["code"] == "service_unavailable"
    ctx.dispose()
    from gateway.bootstrap import ensure_first_admin_patiently

    started = time.monotonic()
    assert ensure_first_admin_patiently(dead, gateway_config, wait_s=1) is False  # gives up, does not raise
    assert time.monotonic() - started < 3
