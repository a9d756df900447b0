"""Sessions as an attacker holding a victim's tokens sees them: every way of ending a
session ends it at once, on every worker (a second app on the same database stands for
another gunicorn worker; test_sessions_gunicorn.py does it with real workers)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import jwt
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from gateway.api_auth import REFRESH_COOKIE
from gateway.bootstrap import create_app
from shared.db import make_engine
from shared.testing.fixtures import eventually
from tests.integration.gateway.conftest import Caller


@pytest.fixture(scope="module")
def other_worker(gateway_settings, gateway_config) -> Iterator:
    app = create_app(gateway_settings, gateway_config)
    yield app.test_client()
    app.extensions["gateway"].dispose()


def log_in(client, username: str, password: str = "secret-pw", **kw) -> dict:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password}, **kw)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def me(client, token: str):
    return client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


def refresh(client, token: str | None = None, **kw):
    body = {"refresh_token": token} if token is not None else None
    return client.post("/api/v1/auth/refresh", json=body, **kw)


def assert_401(response) -> None:
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "not_authenticated"


def two_sessions(client, other_worker, username: str) -> tuple[dict, dict]:
    """The victim logged in twice (say, laptop and phone), each session used on another worker."""
    first, second = log_in(client, username), log_in(other_worker, username)
    assert me(client, first["access_token"]).status_code == 200
    assert me(other_worker, second["access_token"]).status_code == 200
    assert me(other_worker, first["access_token"]).status_code == 200
    return first, second


def assert_all_ended(client, other_worker, *sessions: dict) -> None:
    for tokens in sessions:
        for worker in (client, other_worker):  # right away, with no waiting
            assert_401(me(worker, tokens["access_token"]))
            assert_401(worker.get("/api/v1/customers", headers={"Authorization": f"Bearer {tokens['access_token']}"}))
        assert_401(refresh(other_worker, tokens["refresh_token"]))


def test_login_answers_a_short_access_token_naming_its_session_and_a_refresh_token(client, make_user):
    user = make_user("sales")
    answer = log_in(client, user.user["username"])
    assert answer["token_type"] == "Bearer" and answer["expires_in"] == 900
    claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 900 and claims["sid"]
    assert len(answer["refresh_token"]) >= 43 and answer["refresh_expires_in"] > 13 * 86400
    assert "Set-Cookie" not in client.post("/api/v1/auth/login", json={"username": user.user["username"],
                                                                       "password": "secret-pw"}).headers


def test_own_password_change_ends_every_session_on_every_worker(client, other_worker, make_user):
    victim = make_user("sales")
    first, second = two_sessions(client, other_worker, victim.user["username"])
    changed = Caller(client, first["access_token"]).post(
        "/auth/password", json={"old_password": "secret-pw", "new_password": "a-fresh-pass-1"})
    assert changed.status_code == 204
    assert_all_ended(client, other_worker, first, second)
    assert me(other_worker, log_in(client, victim.user["username"], "a-fresh-pass-1")["access_token"]).status_code == 200


def test_admin_password_reset_ends_every_session_on_every_worker(client, other_worker, admin, make_user):
    victim = make_user("sales")
    first, second = two_sessions(client, other_worker, victim.user["username"])
    assert admin.patch(f"/users/{victim.user['id']}", json={"password": "reset-by-admin-1"}).status_code == 200
    assert_all_ended(client, other_worker, first, second)


def test_deactivation_ends_every_session_on_every_worker(client, other_worker, admin, make_user):
    victim = make_user("sales")
    first, second = two_sessions(client, other_worker, victim.user["username"])
    assert admin.post(f"/users/{victim.user['id']}/deactivate").status_code == 200
    assert_all_ended(client, other_worker, first, second)
    assert admin.post(f"/users/{victim.user['id']}/activate").status_code == 200
    assert_all_ended(client, other_worker, first, second)  # reactivation brings no session back


def test_deactivation_by_patch_ends_every_session(client, other_worker, admin, make_user):
    victim = make_user("finance")
    first, second = two_sessions(client, other_worker, victim.user["username"])
    assert admin.patch(f"/users/{victim.user['id']}", json={"active": False}).status_code == 200
    assert_all_ended(client, other_worker, first, second)


def test_role_change_ends_every_session_on_every_worker(client, other_worker, admin, make_user):
    victim = make_user("manager")
    first, second = two_sessions(client, other_worker, victim.user["username"])
    assert admin.patch(f"/users/{victim.user['id']}", json={"role": "sales"}).status_code == 200
    assert_all_ended(client, other_worker, first, second)
    again = log_in(other_worker, victim.user["username"])
    assert me(client, again["access_token"]).get_json()["role"] == "sales"


def test_other_changes_keep_sessions(client, other_worker, admin, make_user):
    boss = make_user("manager")
    user = make_user("sales")
    first, second = two_sessions(client, other_worker, user.user["username"])
    assert admin.patch(f"/users/{user.user['id']}", json={"full_name": "新名字", "manager_id": boss.user["id"],
                                                          "role": "sales"}).status_code == 200
    assert Caller(client, first["access_token"]).patch(f"/users/{user.user['id']}",
                                                       json={"full_name": "自己改"}).status_code == 200
    assert me(other_worker, first["access_token"]).status_code == 200
    assert me(client, second["access_token"]).status_code == 200


def test_logout_ends_the_session_at_once_on_every_worker(client, other_worker, make_user):
    user = make_user("sales")
    kept, ended = two_sessions(client, other_worker, user.user["username"])
    out = client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {ended['access_token']}"})
    assert out.status_code == 204 and out.get_data() == b""
    assert_401(me(other_worker, ended["access_token"]))
    assert_401(me(client, ended["access_token"]))
    assert_401(refresh(other_worker, ended["refresh_token"]))
    assert me(other_worker, kept["access_token"]).status_code == 200  # only the caller's session
    again = client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {ended['access_token']}"})
    assert again.status_code == 204  # a signed token of an ended session: nothing left to end


def test_logout_with_the_refresh_token_only(client, other_worker, make_user):
    """An access token may have expired: the refresh token alone ends the session."""
    user = make_user("sales")
    tokens = log_in(client, user.user["username"])
    assert client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code == 204
    assert_401(me(other_worker, tokens["access_token"]))
    assert_401(refresh(client, tokens["refresh_token"]))
    assert_401(client.post("/api/v1/auth/logout"))
    assert_401(client.post("/api/v1/auth/logout", json={"refresh_token": "made-up"}))
    assert_401(client.post("/api/v1/auth/logout", headers={"Authorization": "Bearer not-a-token"}))


def test_refresh_rotates_and_the_old_token_stops_working(client, other_worker, make_user):
    user = make_user("sales")
    first = log_in(client, user.user["username"])
    renewed = refresh(other_worker, first["refresh_token"])
    assert renewed.status_code == 200
    second = renewed.get_json()
    assert second["refresh_token"] != first["refresh_token"] and second["expires_in"] == 900
    assert jwt.decode(second["access_token"], options={"verify_signature": False})["sid"] == \
        jwt.decode(first["access_token"], options={"verify_signature": False})["sid"]
    assert me(client, second["access_token"]).status_code == 200
    third = refresh(client, second["refresh_token"])
    assert third.status_code == 200
    assert me(other_worker, third.get_json()["access_token"]).status_code == 200


def test_reuse_of_a_rotated_refresh_token_ends_the_whole_session(client, other_worker, make_user):
    """A thief and the victim both hold refresh token R1. Whoever uses it second (here the
    thief, after the victim rotated twice) ends the session for both."""
    victim = make_user("sales")
    stolen = log_in(client, victim.user["username"])
    r2 = refresh(client, stolen["refresh_token"]).get_json()
    r3 = refresh(client, r2["refresh_token"]).get_json()
    assert me(other_worker, r3["access_token"]).status_code == 200
    reuse = refresh(other_worker, stolen["refresh_token"])
    assert_401(reuse)
    assert "already used" in reuse.get_json()["error"]["message"]
    assert_401(me(client, r3["access_token"]))  # the whole session, on every worker
    assert_401(me(other_worker, r2["access_token"]))
    assert_401(refresh(client, r3["refresh_token"]))
    assert log_in(client, victim.user["username"])  # a new login is a new session


def test_the_thief_refreshing_first_is_caught_when_the_victim_refreshes(client, make_user):
    victim = make_user("sales")
    tokens = log_in(client, victim.user["username"])
    thief = refresh(client, tokens["refresh_token"]).get_json()
    assert me(client, thief["access_token"]).status_code == 200
    assert_401(refresh(client, tokens["refresh_token"]))  # the victim's turn
    assert_401(me(client, thief["access_token"]))
    assert_401(refresh(client, thief["refresh_token"]))


def test_concurrent_uses_of_one_refresh_token_issue_at_most_one_pair(gateway_app, other_worker, make_user):
    user = make_user("sales")
    tokens = log_in(gateway_app.test_client(), user.user["username"])
    answers: list = []
    start = threading.Barrier(4)

    def use(client) -> None:
        start.wait()
        answers.append(refresh(client, tokens["refresh_token"]))

    threads = [threading.Thread(target=use, args=(c,)) for c in
               (gateway_app.test_client(), other_worker, gateway_app.test_client(), other_worker)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert len(answers) == 4 and sum(a.status_code == 200 for a in answers) <= 1
    assert all(a.status_code in (200, 401) for a in answers)


def test_expired_refresh_token_is_401(gateway_settings, gateway_config, make_user):
    app = create_app(gateway_settings, gateway_config.with_(refresh_ttl_s=1))
    try:
        client = app.test_client()
        user = make_user("sales")
        tokens = log_in(client, user.user["username"])
        assert 0 <= tokens["refresh_expires_in"] <= 1
        time.sleep(1.5)
        assert_401(refresh(client, tokens["refresh_token"]))
        assert_401(me(client, tokens["access_token"]))  # the session has ended: its access token too
    finally:
        app.extensions["gateway"].dispose()


def test_a_session_cannot_outlive_its_absolute_lifetime(gateway_settings, gateway_config, make_user):
    app = create_app(gateway_settings, gateway_config.with_(refresh_ttl_s=3600, session_max_s=2))
    try:
        client = app.test_client()
        user = make_user("sales")
        tokens = log_in(client, user.user["username"])
        assert tokens["refresh_expires_in"] <= 2
        renewed = refresh(client, tokens["refresh_token"]).get_json()
        assert renewed["refresh_expires_in"] <= 2  # refreshing does not extend past created + max
        time.sleep(2.5)
        assert_401(refresh(client, renewed["refresh_token"]))
    finally:
        app.extensions["gateway"].dispose()


def test_access_tokens_expire_and_a_refresh_gives_a_working_one(gateway_settings, gateway_config, make_user):
    app = create_app(gateway_settings, gateway_config.with_(jwt_ttl=1))
    try:
        client = app.test_client()
        user = make_user("sales")
        tokens = log_in(client, user.user["username"])
        assert tokens["expires_in"] == 1 and me(client, tokens["access_token"]).status_code == 200
        time.sleep(2.1)
        assert_401(me(client, tokens["access_token"]))
        renewed = refresh(client, tokens["refresh_token"]).get_json()
        assert me(client, renewed["access_token"]).status_code == 200
    finally:
        app.extensions["gateway"].dispose()


def test_a_session_of_one_user_does_not_carry_another(client, admin, make_user, gateway_config):
    """A validly signed token with the admin's id and a sales rep's session id is refused."""
    rep = make_user("sales")
    sid = jwt.decode(rep.token, options={"verify_signature": False})["sid"]
    now = int(time.time())
    kid = gateway_config.active_kid
    forged = jwt.encode({"sub": admin.user["id"], "sid": sid, "role": "admin", "iat": now, "exp": now + 600,
                         "iss": "crm-gateway", "aud": "crm-api"}, gateway_config.jwt_keys[kid], algorithm="HS256",
                        headers={"kid": kid})
    assert_401(me(client, forged))


def test_refresh_tokens_are_stored_as_hashes_only(client, make_user, gateway_settings):
    user = make_user("sales")
    tokens = log_in(client, user.user["username"], headers={"User-Agent": "攻击测试/1.0"},
                    environ_base={"REMOTE_ADDR": "10.77.0.1"})
    engine = make_engine(gateway_settings.database_url, pool_size=1)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT * FROM sessions WHERE user_id = :u"), {"u": user.user["id"]}).mappings().all()
            dump = str(conn.execute(sa.text("SELECT array_agg(s::text) FROM sessions s")).scalar())
    finally:
        engine.dispose()
    assert tokens["refresh_token"] not in dump
    row = next(r for r in rows if r["address"] == "10.77.0.1")
    assert row["user_agent"] == "攻击测试/1.0" and row["revoked_at"] is None and row["expires_at"] > row["created_at"]


def test_bad_refresh_requests_are_401_or_400_never_500(client):
    assert_401(refresh(client))
    assert refresh(client, "x" * 500).status_code == 422
    assert_401(refresh(client, "not-a-token"))
    malformed = client.post("/api/v1/auth/refresh", data="{", content_type="application/json")
    assert malformed.status_code == 400
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": 5}).status_code == 422


# --- the portal's refresh cookie ----------------------------------------------------------

def cookie_header(response, name: str = REFRESH_COOKIE) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    return headers[0]


def cookie_value(header: str) -> str:
    return header.split(";", 1)[0].split("=", 1)[1]


def test_portal_login_sets_an_httponly_strict_cookie_scoped_to_auth(gateway_app, make_user):
    user = make_user("sales")
    for kw in ({"headers": {"X-CRM-Client": "portal"}}, {"json_extra": {"remember": True}}):
        client = gateway_app.test_client()
        body = {"username": user.user["username"], "password": "secret-pw", **kw.get("json_extra", {})}
        answer = client.post("/api/v1/auth/login", json=body, headers=kw.get("headers"))
        assert answer.status_code == 200
        assert "refresh_token" not in answer.get_json()  # out of reach of page scripts
        header = cookie_header(answer)
        attributes = {a.strip().split("=")[0].lower() for a in header.split(";")[1:]}
        assert {"httponly", "path", "max-age"} <= attributes and "secure" not in attributes  # plain http here
        assert "SameSite=Strict" in header and "Path=/api/v1/auth" in header


def test_the_cookie_is_secure_over_https(gateway_app, make_user):
    user = make_user("sales")
    client = gateway_app.test_client()
    answer = client.post("https://gateway.example/api/v1/auth/login", headers={"X-CRM-Client": "portal"},
                         json={"username": user.user["username"], "password": "secret-pw"})
    assert "; Secure" in cookie_header(answer)


def test_portal_refresh_by_cookie_rotates_and_detects_reuse(gateway_app, other_worker, make_user):
    user = make_user("sales")
    browser = gateway_app.test_client()
    login = browser.post("/api/v1/auth/login", headers={"X-CRM-Client": "portal"},
                         json={"username": user.user["username"], "password": "secret-pw"})
    first_cookie = cookie_value(cookie_header(login))
    renewed = browser.post("/api/v1/auth/refresh")  # the browser sends the cookie itself
    assert renewed.status_code == 200, renewed.get_json()
    assert "refresh_token" not in renewed.get_json()
    # who the session is comes with it (the portal needs no /auth/me round trip on a reload)
    assert renewed.get_json()["user"] == me(other_worker, renewed.get_json()["access_token"]).get_json()
    second_cookie = cookie_value(cookie_header(renewed))
    assert second_cookie != first_cookie
    assert me(other_worker, renewed.get_json()["access_token"]).status_code == 200
    # an attacker replays the first cookie value (copied from the machine earlier)
    thief = gateway_app.test_client()
    thief.set_cookie(REFRESH_COOKIE, first_cookie, path="/api/v1/auth")
    stolen = thief.post("/api/v1/auth/refresh")
    assert_401(stolen)
    assert "Max-Age=0" in cookie_header(stolen) or "expires=Thu, 01 Jan 1970" in cookie_header(stolen)
    assert_401(me(other_worker, renewed.get_json()["access_token"]))
    assert_401(browser.post("/api/v1/auth/refresh"))


def test_portal_logout_clears_the_cookie_and_ends_the_session(gateway_app, other_worker, make_user):
    user = make_user("sales")
    browser = gateway_app.test_client()
    login = browser.post("/api/v1/auth/login", headers={"X-CRM-Client": "portal"},
                         json={"username": user.user["username"], "password": "secret-pw"}).get_json()
    cookie = cookie_value(cookie_header(browser.post("/api/v1/auth/refresh")))
    out = browser.post("/api/v1/auth/logout")  # the cookie alone names the session
    assert out.status_code == 204
    cleared = cookie_header(out)
    assert cookie_value(cleared) == "" and "Path=/api/v1/auth" in cleared
    assert_401(me(other_worker, login["access_token"]))
    thief = gateway_app.test_client()
    thief.set_cookie(REFRESH_COOKIE, cookie, path="/api/v1/auth")
    assert_401(thief.post("/api/v1/auth/refresh"))


def test_the_refresh_cookie_is_not_sent_outside_auth(gateway_app, make_user):
    user = make_user("sales")
    browser = gateway_app.test_client()
    browser.post("/api/v1/auth/login", headers={"X-CRM-Client": "portal"},
                 json={"username": user.user["username"], "password": "secret-pw"})
    assert browser.get_cookie(REFRESH_COOKIE, path="/api/v1/auth") is not None
    assert browser.get_cookie(REFRESH_COOKIE, path="/") is None


# --- the hot path ---------------------------------------------------------------------------

def test_an_authenticated_request_costs_one_database_round_trip(gateway_settings, gateway_config, tmp_path):
    """The caller and their session come from one query on the auth engine: no pre-ping,
    no BEGIN/ROLLBACK (counted in libpq's protocol trace: one ReadyForQuery per round trip)."""
    app = create_app(gateway_settings, gateway_config.with_(user_rate_limit=0))
    ctx = app.extensions["gateway"]
    traces: list = []

    @event.listens_for(ctx.auth_engine, "checkout")
    def _trace(dbapi_conn, _record, _proxy):
        path = tmp_path / f"libpq-{len(traces)}.trace"
        handle = open(path, "w")  # noqa: SIM115 - closed at checkin
        dbapi_conn.pgconn.trace(handle.fileno())
        traces.append((path, handle))

    @event.listens_for(ctx.auth_engine, "checkin")
    def _untrace(dbapi_conn, _record):
        dbapi_conn.pgconn.untrace()
        traces[-1][1].close()

    try:
        client = app.test_client()
        token = log_in(client, "admin", "admin-pass")["access_token"]
        assert me(client, token).status_code == 200  # warm: the connection is open
        before = len(traces)
        assert me(client, token).status_code == 200
        assert len(traces) == before + 1  # one checkout of the auth engine for the request
        lines = traces[-1][0].read_text().splitlines()
        assert sum("ReadyForQuery" in line for line in lines) == 1, lines
        assert not any('"BEGIN"' in line or '"ROLLBACK"' in line or 'Query\t ";"' in line for line in lines)
    finally:
        ctx.dispose()


def test_the_cookie_is_secure_behind_a_trusted_tls_proxy(gateway_settings, gateway_config, make_user):
    app = create_app(gateway_settings, gateway_config.with_(trusted_proxies=1))
    try:
        user = make_user("sales")
        answer = app.test_client().post("/api/v1/auth/login", headers={"X-CRM-Client": "portal",
                                                                       "X-Forwarded-Proto": "https"},
                                        json={"username": user.user["username"], "password": "secret-pw"})
        assert "; Secure" in cookie_header(answer)
    finally:
        app.extensions["gateway"].dispose()


def test_ended_sessions_are_purged_after_a_week(client, make_user, gateway_settings):
    from gateway import sessions

    user = make_user("sales")
    old, current = log_in(client, user.user["username"]), log_in(client, user.user["username"])
    assert refresh(client, old["refresh_token"]).status_code == 200  # a retired token hangs off it
    old_sid = jwt.decode(old["access_token"], options={"verify_signature": False})["sid"]
    engine = make_engine(gateway_settings.database_url, pool_size=1)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE sessions SET revoked_at = now() - interval '8 days' WHERE id = :s"),
                         {"s": old_sid})
            sessions.purge(conn)
            left = conn.execute(sa.text("SELECT id FROM sessions WHERE user_id = :u"), {"u": user.user["id"]}).scalars().all()
            retired = conn.execute(sa.text("SELECT count(*) FROM retired_refresh_tokens WHERE session_id = :s"),
                                   {"s": old_sid}).scalar()
    finally:
        engine.dispose()
    current_sid = jwt.decode(current["access_token"], options={"verify_signature": False})["sid"]
    assert old_sid not in left and current_sid in left and retired == 0
    assert me(client, current["access_token"]).status_code == 200


def test_a_connection_the_database_dropped_is_retried_on_a_fresh_one(gateway_settings, gateway_config):
    """The caller lookup runs without pre-ping: when the database has dropped its pooled
    connection (restart, idle timeout), the request still succeeds on a new connection."""
    app = create_app(gateway_settings, gateway_config)
    ctx = app.extensions["gateway"]
    try:
        client = app.test_client()
        token = log_in(client, "admin", "admin-pass")["access_token"]
        assert me(client, token).status_code == 200
        with ctx.auth_engine.connect() as conn:
            pids = [conn.connection.dbapi_connection.info.backend_pid]
        engine = make_engine(gateway_settings.database_url, pool_size=1)
        with engine.connect() as conn:
            for pid in pids:
                assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()

        def gone() -> bool:  # pg_terminate_backend only signals: wait until the backend has ended
            with engine.connect() as conn:  # a new transaction: pg_stat_activity is a per-transaction snapshot
                return not conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:p)"),
                                        {"p": pids}).scalar_one()

        eventually(gone, timeout=5)
        engine.dispose()
        assert me(client, token).status_code == 200
    finally:
        ctx.dispose()
