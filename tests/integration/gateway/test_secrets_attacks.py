"""The two 'anyone is admin' findings of issue 11, tried as an attacker would."""

from __future__ import annotations

import time

import jwt
import pytest

from gateway.bootstrap import ensure_first_admin
from shared.identity import IDENTITY_HEADER, Principal, sign_identity
from shared.secrets import DEV_INTERNAL_SECRET, DEV_JWT_SECRET, InsecureConfiguration
from shared.testing.clients import ServiceClient, new_user


def _dev_token(user_id: str) -> str:
    now = int(time.time())
    claims = {"sub": user_id, "role": "admin", "iat": now, "exp": now + 600, "iss": "crm-gateway",
              "aud": "crm-api"}
    return jwt.encode(claims, DEV_JWT_SECRET, algorithm="HS256", headers={"kid": "dev1"})


def test_token_signed_with_the_public_dev_key_is_refused(client, admin):
    response = client.get("/api/v1/users", headers={"Authorization": f"Bearer {_dev_token(admin.user['id'])}"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "not_authenticated"


def test_identity_signed_with_the_public_dev_secret_is_refused(service_settings):
    from services.customer.bootstrap import root

    settings = service_settings("customer")
    app = root.create_app(settings)
    try:
        forged = sign_identity(Principal(new_user("admin")["id"], "admin", "x"), DEV_INTERNAL_SECRET)
        response = app.test_client().get("/customers", headers={IDENTITY_HEADER: forged})
        assert response.status_code == 401
        genuine = ServiceClient(app, new_user("admin"), settings.internal_secret).get("/customers")
        assert genuine.status_code == 200
    finally:
        app.extensions["crm"].engine.dispose()


def test_gateway_refuses_the_public_internal_secret(gateway_settings, gateway_config, monkeypatch):
    from gateway.bootstrap import create_app

    monkeypatch.delenv("CRM_DEV_MODE", raising=False)
    with pytest.raises(InsecureConfiguration):
        create_app(gateway_settings.with_(internal_secret=DEV_INTERNAL_SECRET), gateway_config)


def test_generated_first_admin_must_change_password(service_settings, gateway_config, capsys):
    from gateway.bootstrap import create_app

    settings = service_settings("gateway")
    config = gateway_config.with_(admin_username="root", admin_password=None)
    assert ensure_first_admin(settings, config)
    printed = capsys.readouterr().err
    password = printed.split("root / ", 1)[1].split()[0]
    app = create_app(settings, config)
    try:
        client = app.test_client()
        answer = client.post("/api/v1/auth/login", json={"username": "root", "password": password}).get_json()
        assert answer["password_change_required"] is True
        auth = {"Authorization": f"Bearer {answer['access_token']}"}
        refused = client.get("/api/v1/users", headers=auth)
        assert refused.status_code == 403
        assert refused.get_json()["error"]["code"] == "password_change_required"
        assert client.get("/api/v1/auth/me", headers=auth).get_json()["must_change_password"] is True
        weak = client.post("/api/v1/auth/password", headers=auth,
                           json={"old_password": password, "new_password": "12345678"})
        assert weak.status_code == 422 and "new_password" in weak.get_json()["error"]["details"]
        changed = client.post("/api/v1/auth/password", headers=auth,
                              json={"old_password": password, "new_password": "a-new-Passw0rd"})
        assert changed.status_code == 204
        # the change ended every session, this one too: log in again with the new password
        assert client.get("/api/v1/users", headers=auth).status_code == 401
        again = client.post("/api/v1/auth/login", json={"username": "root", "password": "a-new-Passw0rd"}).get_json()
        assert "password_change_required" not in again
        assert client.get("/api/v1/users", headers={"Authorization": f"Bearer {again['access_token']}"}).status_code == 200
    finally:
        app.extensions["gateway"].dispose()
