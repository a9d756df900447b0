"""Users and login through the gateway app (real PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa

from shared.db import make_engine


def test_first_admin_exists_and_logs_in(admin):
    assert admin.user["username"] == "admin"
    assert admin.user["role"] == "admin"
    assert set(admin.user) >= {"id", "username", "full_name", "role", "manager_id", "region"}


def test_login_wrong_password_is_401(client):
    response = client.post("/api/v1/auth/login", json={"username": "nobody-here", "password": "x"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"
    assert response.headers["X-Request-ID"]


def test_admin_creates_user_and_event_lands_in_outbox(admin, gateway_settings):
    response = admin.post("/users", json={"username": "zhangsan-outbox", "password": "secret-pw",
                                          "full_name": "张三", "role": "sales", "manager_id": admin.user["id"]},
                          headers={"X-Request-ID": "req-outbox-1"})
    assert response.status_code == 201, response.get_json()
    user = response.get_json()
    assert user["full_name"] == "张三" and user["manager_id"] == admin.user["id"]
    assert "password" not in user and "password_hash" not in user
    engine = make_engine(gateway_settings.database_url, pool_size=1)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT routing_key, payload FROM outbox WHERE payload->>'aggregate_id' = :i"),
                            {"i": user["id"]}).all()
    engine.dispose()
    assert [r.routing_key for r in rows] == ["gateway.user.created.v1"]
    payload = rows[0].payload
    assert payload["data"] == {"id": user["id"], "username": "zhangsan-outbox", "full_name": "张三",
                               "role": "sales", "manager_id": admin.user["id"], "active": True,
                               "region": user["region"]}
    assert payload["actor_id"] == admin.user["id"]
    assert payload["correlation_id"] == "req-outbox-1"
    assert payload["producer"] == "gateway" and payload["aggregate_type"] == "user"
