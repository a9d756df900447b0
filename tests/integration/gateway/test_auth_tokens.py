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
    # the deactivation ended the user's sessions: reactivated, they log in again
    assert_401(sales.get("/auth/me"))
    again = client.post("/api/v1/auth/login", json={"username": sales.user["username"], "password": "secret-pw"})
    assert again.status_code == 200
    assert call_me(client, again.get_json()["access_token"]).status_code == 200


def test_role_in_token_is_not_trusted_over_the_database(client, admin, make_user, gateway_config):
    """A token's role claim is informational: the gateway uses the user's current role."""
    sales = make_user("sales")
    session_id = jwt.decode(sales.token, options={"verify_signature": False})["sid"]
    kid = gateway_config.active_kid
    now = int(time.time())
    forged_role = jwt.encode({"sub": sales.user["id"], "sid": session_id, "role": "admin", "iat": now,
                              "exp": now + 600, "iss": "crm-gateway", "aud": "crm-api"},
                             gateway_config.jwt_keys[kid], algorithm="HS256", headers={"kid": kid})
    me = Caller(client, forged_role).get("/auth/me").get_json()
    assert me["role"] == "sales"


def test_token_without_a_session_is_refused(client, admin, gateway_config):
    """A correctly signed token that names no session (as every token did before sessions)
    or a session of another user is refused."""
    kid = gateway_config.active_kid
    now = int(time.time())
    base = {"sub": admin.user["id"], "role": "admin", "iat": now, "exp": now + 600, "iss": "crm-gateway",
            "aud": "crm-api"}
    for extra in ({}, {"sid": "00000000-0000-4000-8000-000000000000"}, {"sid": "not-a-uuid"}):
        token = jwt.encode({**base, **extra}, gateway_config.jwt_keys[kid], algorithm="HS256", headers={"kid": kid})
        assert_401(call_me(client, token))
