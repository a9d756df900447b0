"""Users: who may create and change them, validation, the hierarchy, passwords."""

from __future__ import annotations

import sqlalchemy as sa

from shared.db import make_engine


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def test_only_admin_creates_users(make_user):
    for role in ("manager", "sales", "finance", "warehouse"):
        caller = make_user(role)
        response = caller.post("/users", json={"username": f"x-{role}", "password": "secret-pw", "role": "sales"})
        assert response.status_code == 403, role
        assert error_code(response) == "forbidden"


def test_duplicate_username_409_case_insensitive(admin):
    body = {"username": "Wangwu", "password": "secret-pw", "role": "sales"}
    assert admin.post("/users", json=body).status_code == 201
    again = admin.post("/users", json={**body, "username": "wangwu"})
    assert again.status_code == 409 and error_code(again) == "duplicate_username"


def test_validation_errors_are_422_with_details(admin):
    bad_role = admin.post("/users", json={"username": "r1", "password": "secret-pw", "role": "boss"})
    assert bad_role.status_code == 422 and "role" in bad_role.get_json()["error"]["details"]
    missing = admin.post("/users", json={"role": "sales"})
    details = missing.get_json()["error"]["details"]
    assert missing.status_code == 422 and {"username", "password"} <= set(details)
    ghost = admin.post("/users", json={"username": "r2", "password": "secret-pw", "role": "sales",
                                       "manager_id": "00000000-0000-4000-8000-000000000000"})
    assert ghost.status_code == 422 and "manager_id" in ghost.get_json()["error"]["details"]
    not_uuid = admin.post("/users", json={"username": "r3", "password": "secret-pw", "role": "sales",
                                          "manager_id": "abc"})
    assert not_uuid.status_code == 422
    malformed = admin.post("/users", data="{not json", content_type="application/json")
    assert malformed.status_code == 400 and error_code(malformed) == "malformed_json"


def test_hierarchy_cycles_refused(admin, make_user, gateway_settings):
    top = make_user("manager")
    middle = make_user("manager", manager_id=top.user["id"])
    bottom = make_user("sales", manager_id=middle.user["id"])
    cycle = admin.patch(f"/users/{top.user['id']}", json={"manager_id": bottom.user["id"]})
    assert cycle.status_code == 422 and error_code(cycle) == "manager_cycle"
    itself = admin.patch(f"/users/{top.user['id']}", json={"manager_id": top.user["id"]})
    assert itself.status_code == 422
    engine = make_engine(gateway_settings.database_url, pool_size=1)
    with engine.connect() as conn:
        manager = conn.execute(sa.text("SELECT manager_id FROM users WHERE id = :i"), {"i": top.user["id"]}).scalar()
    engine.dispose()
    assert manager is None  # nothing half-written
    moved = admin.patch(f"/users/{bottom.user['id']}", json={"manager_id": top.user["id"]})
    assert moved.status_code == 200 and moved.get_json()["manager_id"] == top.user["id"]


def test_list_users_paginated_and_filtered(admin, make_user):
    boss = make_user("manager")
    for _ in range(3):
        make_user("warehouse", manager_id=boss.user["id"])
    page = admin.get("/users", query_string={"manager_id": boss.user["id"], "per_page": 2}).get_json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["per_page"] == 2
    second = admin.get("/users", query_string={"manager_id": boss.user["id"], "per_page": 2, "page": 2}).get_json()
    ids = {u["id"] for u in page["items"]} | {u["id"] for u in second["items"]}
    assert len(ids) == 3
    assert admin.get("/users", query_string={"per_page": 500}).status_code == 422
    assert admin.get("/users", query_string={"role": "boss"}).status_code == 422
    assert all(u["role"] == "warehouse" for u in admin.get("/users", query_string={"role": "warehouse"}).get_json()["items"])


def test_get_user_404s(admin):
    assert admin.get("/users/not-a-uuid").status_code == 404
    assert admin.get("/users/00000000-0000-4000-8000-000000000000").status_code == 404


def test_self_service_limits(admin, make_user):
    sales = make_user("sales")
    own = sales.patch(f"/users/{sales.user['id']}", json={"full_name": "赵六"})
    assert own.status_code == 200 and own.get_json()["full_name"] == "赵六"
    promote = sales.patch(f"/users/{sales.user['id']}", json={"role": "admin"})
    assert promote.status_code == 403
    other = sales.patch(f"/users/{admin.user['id']}", json={"full_name": "x"})
    assert other.status_code == 403
    assert sales.post(f"/users/{admin.user['id']}/deactivate").status_code == 403
    assert admin.post(f"/users/{admin.user['id']}/deactivate").status_code == 409


def test_password_change(client, make_user):
    sales = make_user("sales")
    wrong = sales.post("/auth/password", json={"old_password": "nope-nope", "new_password": "new-secret"})
    assert wrong.status_code == 422
    short = sales.post("/auth/password", json={"old_password": "secret-pw", "new_password": "x"})
    assert short.status_code == 422
    ok = sales.post("/auth/password", json={"old_password": "secret-pw", "new_password": "new-secret"})
    assert ok.status_code == 204 and ok.get_data() == b""
    username = sales.user["username"]
    assert client.post("/api/v1/auth/login", json={"username": username, "password": "secret-pw"}).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": username, "password": "new-secret"}).status_code == 200


def test_user_changes_publish_full_snapshots(admin, make_user, gateway_settings):
    boss = make_user("manager")
    sales = make_user("sales")
    assert admin.patch(f"/users/{sales.user['id']}", json={"manager_id": boss.user["id"], "role": "manager"}).status_code == 200
    assert admin.patch(f"/users/{sales.user['id']}", json={"full_name": sales.user["full_name"]}).status_code == 200
    assert admin.post(f"/users/{sales.user['id']}/deactivate").status_code == 200
    engine = make_engine(gateway_settings.database_url, pool_size=1)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT routing_key, payload FROM outbox WHERE payload->>'aggregate_id' = :i "
                                    "ORDER BY id"), {"i": sales.user["id"]}).all()
    engine.dispose()
    assert [r.routing_key for r in rows] == ["gateway.user.created.v1", "gateway.user.updated.v1",
                                             "gateway.user.deactivated.v1"]  # the no-op change published nothing
    assert [r.payload["aggregate_seq"] for r in rows] == [1, 2, 3]
    updated = rows[1].payload["data"]
    assert updated["role"] == "manager" and updated["manager_id"] == boss.user["id"] and updated["active"] is True
    assert rows[2].payload["data"]["active"] is False
