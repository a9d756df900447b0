"""Idempotency keys, the failed-login limit and the per-user request limit."""

from __future__ import annotations

import threading
import time
import uuid

import sqlalchemy as sa

from gateway.bootstrap import create_app
from shared.testing.fixtures import eventually
from tests.integration.gateway.conftest import Caller, login


def calls_to(fake_services, service: str, path: str) -> int:
    return sum(1 for c in fake_services[service].server.app.config["calls"] if c["path"] == path)


def test_same_key_same_body_replays_without_forwarding(admin, fake_services):
    key = str(uuid.uuid4())
    path = f"/orders/idem-{key[:8]}"
    first = admin.post(path, json={"customer_id": "c1", "lines": []}, headers={"Idempotency-Key": key})
    second = admin.post(path, json={"customer_id": "c1", "lines": []}, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Content-Type"].startswith("application/json")
    assert calls_to(fake_services, "sales", path) == 1


def test_same_key_other_body_is_422(admin, fake_services):
    key = str(uuid.uuid4())
    path = f"/quotes/idem-{key[:8]}"
    assert admin.post(path, json={"a": 1}, headers={"Idempotency-Key": key}).status_code == 201
    other = admin.post(path, json={"a": 2}, headers={"Idempotency-Key": key})
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert calls_to(fake_services, "sales", path) == 1


def test_keys_are_per_user(admin, make_user, fake_services):
    key = str(uuid.uuid4())
    path = f"/leads/idem-{key[:8]}"
    other = make_user("sales")
    assert admin.post(path, json={}, headers={"Idempotency-Key": key}).status_code == 201
    assert other.post(path, json={}, headers={"Idempotency-Key": key}).status_code == 201
    assert calls_to(fake_services, "customer", path) == 2


def test_gateway_own_writes_honour_keys(admin):
    key = str(uuid.uuid4())
    body = {"username": f"idem-{key[:8]}", "password": "secret-pw", "role": "finance"}
    first = admin.post("/users", json=body, headers={"Idempotency-Key": key})
    second = admin.post("/users", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]


def test_concurrent_duplicate_is_409(gateway_app, admin, fake_services):
    key = str(uuid.uuid4())
    path = f"/payments/slow-{key[:8]}-slow"
    results: dict[str, int] = {}

    def first_call() -> None:
        client = gateway_app.test_client()
        results["first"] = client.post(f"/api/v1{path}?s=1", json={"x": 1}, headers={
            "Authorization": f"Bearer {admin.token}", "Idempotency-Key": key}).status_code

    thread = threading.Thread(target=first_call)
    thread.start()

    def claimed() -> bool:  # the first call holds the key (in flight at the slow service)
        with gateway_app.extensions["gateway"].engine.connect() as conn:
            return conn.execute(sa.text("SELECT state FROM idempotency_keys WHERE key = :k"),
                                {"k": key}).scalar() == "in_flight"

    eventually(claimed, timeout=5, interval=0.02)
    duplicate = admin.post(f"{path}?s=1", json={"x": 1}, headers={"Idempotency-Key": key})
    thread.join()
    assert duplicate.status_code == 409
    assert duplicate.get_json()["error"]["code"] == "idempotency_in_progress"
    assert results["first"] == 201
    replay = admin.post(f"{path}?s=1", json={"x": 1}, headers={"Idempotency-Key": key})
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    assert calls_to(fake_services, "billing", path) == 1


def test_failed_answers_are_not_stored(admin):
    key = str(uuid.uuid4())
    first = admin.post("/customers/crash", json={}, headers={"Idempotency-Key": key})
    assert first.status_code == 502
    again = admin.post("/customers/crash", json={}, headers={"Idempotency-Key": key})
    assert again.status_code == 502 and "Idempotent-Replayed" not in again.headers


def test_invalid_key_is_422(admin):
    response = admin.post("/orders", json={}, headers={"Idempotency-Key": "x" * 300})
    assert response.status_code == 422


def test_login_failures_for_a_username_get_429(client, admin):
    body = {"username": "target-user", "password": "secret-pw"}
    assert admin.post("/users", json={**body, "role": "sales"}).status_code == 201
    for _ in range(5):
        wrong = client.post("/api/v1/auth/login", json={**body, "password": "guess"})
        assert wrong.status_code == 401
    blocked = client.post("/api/v1/auth/login", json=body)  # even the right password now waits
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "too_many_failed_logins"
    assert int(blocked.headers["Retry-After"]) > 0
    # the admin, from the same address, is not locked out by another user's failures
    assert client.post("/api/v1/auth/login", json={"username": "admin", "password": "admin-pass"}).status_code == 200


def test_login_failures_from_an_address_get_429(gateway_settings, gateway_config):
    app = create_app(gateway_settings, gateway_config.with_(login_max_per_address=3, login_max_per_pair=100))
    client = app.test_client()
    env = {"REMOTE_ADDR": "10.9.8.7"}
    for i in range(3):
        response = client.post("/api/v1/auth/login", json={"username": f"spray{i}", "password": "x"},
                               environ_base=env)
        assert response.status_code == 401
    blocked = client.post("/api/v1/auth/login", json={"username": "admin", "password": "admin-pass"},
                          environ_base=env)
    assert blocked.status_code == 429
    other_address = client.post("/api/v1/auth/login", json={"username": "admin", "password": "admin-pass"},
                                environ_base={"REMOTE_ADDR": "10.9.8.8"})
    assert other_address.status_code == 200


def test_per_user_request_limit_is_429(gateway_settings, gateway_config):
    app = create_app(gateway_settings, gateway_config.with_(user_rate_limit=5, user_rate_window_s=3600))
    client = app.test_client()
    caller = Caller(client, login(client, "admin", "admin-pass"))
    statuses = [caller.get("/auth/me").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    limited = caller.get("/customers")
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0


def test_keys_expire_after_their_ttl(gateway_settings, gateway_config, fake_services):
    app = create_app(gateway_settings, gateway_config.with_(idempotency_ttl_s=1))
    client = app.test_client()
    caller = Caller(client, login(client, "admin", "admin-pass"))
    key = str(uuid.uuid4())
    path = f"/expenses/ttl-{key[:8]}"
    assert caller.post(path, json={"a": 1}, headers={"Idempotency-Key": key}).status_code == 201
    time.sleep(1.3)
    fresh = caller.post(path, json={"a": 2}, headers={"Idempotency-Key": key})
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers
    assert calls_to(fake_services, "billing", path) == 2


def test_patch_and_delete_honour_keys(admin, fake_services):
    key = str(uuid.uuid4())
    path = f"/contracts/idem-{key[:8]}"
    for method in ("PATCH", "DELETE"):
        method_key = f"{key}-{method}"
        first = admin.open(method, path, json={"x": 1}, headers={"Idempotency-Key": method_key})
        again = admin.open(method, path, json={"x": 1}, headers={"Idempotency-Key": method_key})
        assert first.status_code == again.status_code == 200
        assert again.headers.get("Idempotent-Replayed") == "true"
    assert calls_to(fake_services, "sales", path) == 2  # one PATCH, one DELETE


def test_an_abandoned_in_flight_claim_is_taken_over(admin, gateway_settings, fake_services):
    import sqlalchemy as sa

    from gateway import idempotency
    from shared.db import make_engine

    key = str(uuid.uuid4())
    path = f"/leads/abandoned-{key[:8]}"
    body = b'{"name": "x"}'
    engine = make_engine(gateway_settings.database_url, pool_size=1)
    with engine.begin() as conn:  # a request that claimed the key and then died
        req_hash = idempotency.request_hash("POST", f"/api/v1{path}", b"", body)
        assert idempotency.claim(conn, admin.user["id"], key, req_hash, 86400) is None
    in_flight = admin.post(path, data=body, content_type="application/json", headers={"Idempotency-Key": key})
    assert in_flight.status_code == 409
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE idempotency_keys SET created_at = now() - interval '10 minutes' "
                             "WHERE key = :k"), {"k": key})
    engine.dispose()
    taken_over = admin.post(path, data=body, content_type="application/json", headers={"Idempotency-Key": key})
    assert taken_over.status_code == 201
    assert calls_to(fake_services, "customer", path) == 1


def test_per_user_limit_is_shared_between_workers(gateway_settings, gateway_config, make_user):
    config = gateway_config.with_(user_rate_limit=30, user_rate_window_s=3600)
    worker_a = create_app(gateway_settings, config).test_client()
    worker_b = create_app(gateway_settings, config).test_client()
    user = make_user("sales")
    on_a, on_b = Caller(worker_a, user.token), Caller(worker_b, user.token)
    assert all(on_a.get("/auth/me").status_code == 200 for _ in range(25))
    time.sleep(1.1)
    assert on_a.get("/auth/me").status_code == 200  # flushes worker A's count (26)
    statuses = [on_b.get("/auth/me").status_code for _ in range(10)]
    assert 429 in statuses  # worker B knows worker A's count: far fewer than 30 fresh requests pass
    assert statuses.index(429) <= 5


def test_claim_of_a_dead_gateway_worker_is_taken_over_at_once(gateway_app, gateway_settings):
    """A worker killed mid-request leaves its claim in flight; its liveness lock dies with
    its session, so a retry takes the claim over at once (not after STALE_IN_FLIGHT_S)."""
    from gateway import idempotency
    from gateway.liveness import Liveness

    engine = gateway_app.extensions["gateway"].engine
    user, key, h = str(uuid.uuid4()), str(uuid.uuid4()), "h" * 64
    dead, alive = Liveness(gateway_settings.database_url), Liveness(gateway_settings.database_url)
    try:
        with engine.begin() as conn:
            assert idempotency.claim(conn, user, key, h, 86400, dead.owner()) is None
        with engine.begin() as conn:  # its owner alive: still in progress
            try:
                idempotency.claim(conn, user, key, h, 86400, alive.owner())
                raise AssertionError("a live owner's claim was taken over")
            except idempotency.Conflict as exc:
                assert exc.code == "idempotency_in_progress"
        dead.close()  # the worker's session ends as its process dies

        def taken_over() -> bool:
            # the server drops the lock once the closed session's backend has exited, a moment
            # after the client closed it (longer on a busy machine): seconds, not STALE_IN_FLIGHT_S
            try:
                with engine.begin() as conn:
                    return idempotency.claim(conn, user, key, h, 86400, alive.owner()) is None
            except idempotency.Conflict:
                return False

        started = time.monotonic()
        eventually(taken_over, timeout=10)
        assert time.monotonic() - started < idempotency.STALE_IN_FLIGHT_S
        with engine.begin() as conn:
            owner = conn.execute(sa.text("SELECT owner FROM idempotency_keys WHERE key = :k"), {"k": key}).scalar()
        assert owner == alive.instance
    finally:
        dead.close()
        alive.close()


def test_the_services_answer_stands_when_the_key_cannot_be_kept(admin, fake_services, monkeypatch):
    """The gateway's database gone between forwarding and keeping the answer (found by the
    fault suite: a 500 hid a write that was made): the client gets the service's answer."""
    from gateway import idempotency

    def database_gone(*_args, **_kw):
        raise sa.exc.OperationalError("UPDATE idempotency_keys", {}, Exception("server closed the connection"))

    monkeypatch.setattr(idempotency, "store", database_gone)
    key = str(uuid.uuid4())
    path = f"/orders/idem-{key[:8]}"
    answer = admin.post(path, json={"customer_id": "c1", "lines": []}, headers={"Idempotency-Key": key})
    assert answer.status_code == 201 and calls_to(fake_services, "sales", path) == 1


def test_claims_left_when_the_database_went_away_are_taken_over(gateway_app, gateway_settings):
    """The gateway's liveness session lost with the database (found by the fault suite:
    claims the gateway could not release answered 409 for minutes): the worker comes back
    under a new id, so the claims under the old one are taken over at once."""
    from gateway import idempotency
    from gateway.liveness import Liveness

    engine = gateway_app.extensions["gateway"].engine
    user, key, h = str(uuid.uuid4()), str(uuid.uuid4()), "h" * 64
    worker = Liveness(gateway_settings.database_url)
    try:
        before = worker.owner()
        with engine.begin() as conn:
            assert idempotency.claim(conn, user, key, h, 86400, before) is None
        worker._conn.close()  # the session dies with the database
        worker._checked = 0.0
        after = worker.owner()
        assert after is not None and after != before
        with engine.begin() as conn:  # the retry (the release was lost): taken over
            assert idempotency.claim(conn, user, key, h, 86400, after) is None
    finally:
        worker.close()
