"""The gateway in the running suite: login, users reaching the services by events,
idempotency keys on a real service, request ids, errors, readiness, OpenAPI."""

from __future__ import annotations

import uuid

import requests

from shared.testing.fixtures import eventually
from shared.testing.suite import ApiClient


def test_readyz_and_healthz(suite):
    assert requests.get(f"{suite.url}/healthz", timeout=5).status_code == 200
    ready = requests.get(f"{suite.url}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text


def test_login_me_and_roles(suite, admin):
    assert admin.user["role"] == "admin"
    manager = admin.create_user("manager")
    sales = admin.create_user("sales", manager_id=manager.user["id"])
    me = sales.get("/auth/me").json()
    assert me["manager_id"] == manager.user["id"] and me["role"] == "sales"
    refused = sales.post("/users", json={"username": f"x{uuid.uuid4().hex[:6]}", "password": "pass-word-1",
                                         "role": "sales"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    bad = requests.post(f"{suite.url}/api/v1/auth/login", json={"username": me["username"], "password": "nope"},
                        timeout=10)
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "invalid_credentials"


def test_no_token_is_401_everywhere(suite):
    for path in ("/auth/me", "/users", "/customers", "/orders", "/products", "/invoices", "/timeline"):
        response = requests.get(f"{suite.url}/api/v1{path}", timeout=10)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "not_authenticated"


def test_user_events_reach_the_services(admin):
    sales = admin.create_user("sales")
    request_id = f"e2e-{uuid.uuid4().hex[:12]}"
    renamed = admin.patch(f"/users/{sales.user['id']}", json={"full_name": "王小明"},
                          headers={"X-Request-ID": request_id})
    assert renamed.status_code == 200 and renamed.headers["X-Request-ID"] == request_id

    def recorded():
        response = admin.get("/audit", params={"type": "gateway.user.updated", "actor_id": admin.user["id"]})
        assert response.status_code == 200, response.text
        return [e for e in response.json()["items"] if e.get("event_id") and sales.user["id"] in str(e)]

    assert eventually(recorded, timeout=15)


def test_deactivated_user_loses_access(admin):
    sales = admin.create_user("sales")
    assert sales.get("/auth/me").status_code == 200
    assert admin.post(f"/users/{sales.user['id']}/deactivate").status_code == 200
    assert sales.get("/auth/me").status_code == 401
    assert sales.get("/customers").status_code == 401


def test_idempotency_key_on_a_real_service(admin):
    name = f"幂等测试有限公司 {uuid.uuid4().hex[:8]}"
    key = str(uuid.uuid4())
    first = admin.post("/customers", json={"name": name}, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    second = admin.post("/customers", json={"name": name}, headers={"Idempotency-Key": key})
    assert second.status_code == 201 and second.json()["id"] == first.json()["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    other = admin.post("/customers", json={"name": name + "x"}, headers={"Idempotency-Key": key})
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    listed = admin.get("/customers", params={"q": name}).json()
    assert [c["id"] for c in listed["items"] if c["name"] == name] == [first.json()["id"]]


def test_request_id_travels_into_the_service_answer(admin):
    response = admin.get("/customers", headers={"X-Request-ID": "e2e-request-id-1"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "e2e-request-id-1"


def test_unknown_path_and_error_bodies(admin):
    response = admin.get("/no-such-segment")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    missing = admin.get(f"/customers/{uuid.uuid4()}")
    assert missing.status_code == 404 and "error" in missing.json()


def test_merged_openapi_and_docs(suite):
    doc = requests.get(f"{suite.url}/api/v1/openapi.json", timeout=20).json()
    assert "/api/v1/auth/login" in doc["paths"] and "/api/v1/users" in doc["paths"]
    missing = doc["info"].get("x-services-missing", {})
    for service, segment in (("customer", "/api/v1/customers"), ("sales", "/api/v1/orders")):
        assert service in missing or any(p.startswith(segment) for p in doc["paths"]), service
    page = requests.get(f"{suite.url}/api/v1/docs", timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]


def test_failed_logins_get_429(suite, admin):
    rep = admin.create_user("sales")
    url = f"{suite.url}/api/v1/auth/login"
    for _ in range(5):
        wrong = requests.post(url, json={"username": rep.user["username"], "password": "wrong-guess"}, timeout=10)
        assert wrong.status_code == 401
    blocked = requests.post(url, json={"username": rep.user["username"], "password": "pass-word-1"}, timeout=10)
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "too_many_failed_logins"
    assert int(blocked.headers["Retry-After"]) > 0
    assert rep.get("/auth/me").status_code == 200  # a token already issued keeps working


def test_sessions_rotate_and_end_at_once_in_the_running_suite(suite, admin):
    rep = admin.create_user("sales")
    api = f"{suite.url}/api/v1"

    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    first = requests.post(f"{api}/auth/login", json={"username": rep.user["username"], "password": "pass-word-1"},
                          timeout=10).json()
    assert first["expires_in"] == 900 and first["refresh_token"]
    renewed = requests.post(f"{api}/auth/refresh", json={"refresh_token": first["refresh_token"]}, timeout=10)
    assert renewed.status_code == 200
    token = renewed.json()["access_token"]
    assert requests.get(f"{api}/customers", headers=bearer(token), timeout=10).status_code == 200
    # the first refresh token again: theft detected, the whole session ends (service calls too)
    assert requests.post(f"{api}/auth/refresh", json={"refresh_token": first["refresh_token"]},
                         timeout=10).status_code == 401
    assert requests.get(f"{api}/customers", headers=bearer(token), timeout=10).status_code == 401
    # logout ends the caller's session only
    other = ApiClient.login(suite.url, rep.user["username"], "pass-word-1")
    assert other.post("/auth/logout").status_code == 204
    assert other.get("/customers").status_code == 401
    assert rep.get("/customers").status_code == 200
    # a password change ends every session of the user
    changed = rep.post("/auth/password", json={"old_password": "pass-word-1", "new_password": "pass-word-2"})
    assert changed.status_code == 204
    assert requests.get(f"{api}/customers", headers=bearer(rep.token), timeout=10).status_code == 401
    assert rep.get("/auth/me").status_code == 401  # its refresh token is dead too
    assert ApiClient.login(suite.url, rep.user["username"], "pass-word-2").get("/customers").status_code == 200


def test_api_answers_are_nosniff_and_no_store_and_docs_are_framed_by_nobody(suite, admin):
    for response in (admin.get("/customers"), admin.get(f"/customers/{uuid.uuid4()}"), admin.get("/users"),
                     requests.get(f"{suite.url}/api/v1/orders", timeout=10)):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
    docs = requests.get(f"{suite.url}/api/v1/docs", timeout=10)
    assert "script-src 'self'" in docs.headers["Content-Security-Policy"]
    assert docs.headers["X-Frame-Options"] == "DENY"


def test_a_sales_rep_reads_names_not_roles(admin):
    rep = admin.create_user("sales")
    items = rep.get("/users", params={"per_page": 200}).json()["items"]
    others = [u for u in items if u["id"] != rep.user["id"]]
    assert others and all(set(u) == {"id", "username", "full_name"} for u in others)
    assert rep.get("/users", params={"role": "admin"}).status_code == 403
