"""Bearer tokens through the gateway app: every bad token is a 401 in the error body."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from tests.integration.gateway.conftest import Caller


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def assert_401(response) -> None:
    assert response.status_code == 401, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"]["code"] == "not_authenticated"
    assert set(body["error"]) == {"code", "message", "details"}


def call_me(client, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get("/api/v1/auth/me", headers=headers)


def test_missing_token(client):
    assert_401(call_me(client, None))
    assert_401(client.get("/api/v1/customers"))
    assert_401(client.get("/api/v1/users", headers={"Authorization": "Basic YWRtaW46YWRtaW4="}))


def test_valid_token_works(client, admin):
    assert call_me(client, admin.token).status_code == 200


def test_tampered_token(client, admin, make_user):
    sales = make_user("sales")
    header, payload, signature = sales.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = admin.user["id"]
    claims["role"] = "admin"
    assert_401(call_me(client, ".".join([header, b64(claims), signature])))
    assert_401(call_me(client, sales.token[:-3] + ("AAA" if not sales.token.endswith("AAA") else "BBB")))
    assert_401(call_me(client, "not-a-jwt"))


def test_alg_none(client, admin):
    now = int(time.time())
    claims = {"sub": admin.user["id"], "role": "admin", "iat": now, "exp": now + 600,
              "iss": "crm-gateway", "aud": "crm-api"}
    for header in ({"alg": "none", "typ": "JWT"}, {"alg": "none", "kid": "dev1"}, {"alg": "None", "kid": "dev1"}):
        assert_401(call_me(client, f"{b64(header)}.{b64(claims)}."))


def test_wrong_algorithm(client, admin, gateway_config):
    kid = gateway_config.active_kid
    now = int(time.time())
    claims = {"sub": admin.user["id"], "role": "admin", "iat": now, "exp": now + 600,
              "iss": "crm-gateway", "aud": "crm-api"}
    token = jwt.encode(claims, gateway_config.jwt_keys[kid] * 2, algorithm="HS512", headers={"kid": kid})
    assert_401(call_me(client, token))


@pytest.mark.parametrize("change", [
    {"exp": int(time.time()) - 10, "iat": int(time.time()) - 100},
    {"aud": "another-audience"},
    {"iss": "somebody-else"},
])
def test_expired_wrong_audience_wrong_issuer(client, admin, gateway_config, change):
    kid = gateway_config.active_kid
    now = int(time.time())
    claims = {"sub": admin.user["id"], "role": "admin", "iat": now, "exp": now + 600,
              "iss": "crm-gateway", "aud": "crm-api", **change}
    token = jwt.encode(claims, gateway_config.jwt_keys[kid], algorithm="HS256", headers={"kid": kid})
    assert_401(call_me(client, token))


def test_token_signed_with_another_secret(client, admin, gateway_config):
    now = int(time.time())
    claims = {"sub": admin.user["id"], "role": "admin", "iat": now, "exp": now + 600,
              "iss": "crm-gateway", "aud": "crm-api"}
    token = jwt.encode(claims, "an-attackers-secret-that-is-long-enough-0123", algorithm="HS256",
                       headers={"kid": gateway_config.active_kid})
    assert_401(call_me(client, token))


def test_deactivated_user_is_401(client, admin, make_user):
    sales = make_user("sales")
    assert sales.get("/auth/me").status_code == 200
    response = admin.post(f"/users/{sales.user['id']}/deactivate")
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert_401(sales.get("/auth/me"))
    assert_401(sales.get("/customers"))
    failed = client.post("/api/v1/auth/login", json={"username": sales.user["username"], "password": "secret-pw"})
    assert failed.status_code == 401
    assert admin.post(f"/users/{sales.user['id']}/activate").status_code == 200
    assert sales.get("/auth/me").status_code == 200


def test_role_in_token_is_not_trusted_over_the_database(client, admin, make_user, gateway_config):
    """A token's role claim is informational: the gateway uses the user's current role."""
    sales = make_user("sales")
    kid = gateway_config.active_kid
    now = int(time.time())
    forged_role = jwt.encode({"sub": sales.user["id"], "role": "admin", "iat": now, "exp": now + 600,
                              "iss": "crm-gateway", "aud": "crm-api"},
                             gateway_config.jwt_keys[kid], algorithm="HS256", headers={"kid": kid})
    me = Caller(client, forged_role).get("/auth/me").get_json()
    assert me["role"] == "sales"


def test_deactivation_reaches_other_workers_caches(client, admin, make_user, gateway_settings, gateway_config):
    """Another worker (a second app) that cached the user refuses them soon after."""
    from gateway.bootstrap import create_app
    from shared.testing.fixtures import eventually

    sales = make_user("sales")
    other_worker = Caller(create_app(gateway_settings, gateway_config).test_client(), sales.token)
    eventually(lambda: other_worker.get("/auth/me").status_code == 200, timeout=5)
    assert other_worker.get("/auth/me").status_code == 200  # now served from its cache
    assert admin.post(f"/users/{sales.user['id']}/deactivate").status_code == 200
    started = time.monotonic()
    eventually(lambda: other_worker.get("/auth/me").status_code == 401, timeout=5, interval=0.01)
    assert time.monotonic() - started < 1.0
    role_change = make_user("sales")
    cached = Caller(other_worker.client, role_change.token)
    assert cached.get("/auth/me").get_json()["role"] == "sales"
    assert admin.patch(f"/users/{role_change.user['id']}", json={"role": "finance"}).status_code == 200
    eventually(lambda: cached.get("/auth/me").get_json()["role"] == "finance", timeout=2, interval=0.01)
