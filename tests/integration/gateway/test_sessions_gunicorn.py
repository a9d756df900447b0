"""Revocation across real gunicorn workers: the gateway under gunicorn with two worker
processes on the test database; right after the revoking request has answered, every
request on a fresh connection (whichever worker takes it) is 401. The access log names the
worker (pid) of each answer, so the test sees that both workers refused."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from shared.testing.fixtures import TEST_JWT_KEYS
from shared.testing.suite import free_port

ROOT = Path(__file__).resolve().parents[3]
WORKERS = 2


class Gateway:
    def __init__(self, url: str, access_log: Path):
        self.url = url
        self.access_log = access_log

    def api(self, method: str, path: str, token: str | None = None, **kw) -> requests.Response:
        headers = {"Connection": "close", **({"Authorization": f"Bearer {token}"} if token else {})}
        return requests.request(method, f"{self.url}/api/v1{path}", headers=headers, timeout=20, **kw)

    def login(self, username: str, password: str) -> dict:
        response = self.api("POST", "/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return response.json()

    def pids_answering(self, marker: str, status: int) -> set[str]:
        pids = set()
        for line in self.access_log.read_text().splitlines():
            match = re.match(r"<(\d+)> (\S+) (\d{3})$", line.strip())
            if match and match.group(2) == marker and int(match.group(3)) == status:
                pids.add(match.group(1))
        return pids


@pytest.fixture(scope="module")
def gunicorn_gateway(gateway_settings, gateway_app, tmp_path_factory) -> Iterator[Gateway]:
    # gateway_app: the database is migrated and its first admin made before the workers start
    port = free_port()
    logdir = tmp_path_factory.mktemp("gunicorn-gateway")
    access_log = logdir / "access.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GATEWAY_DATABASE_URL": gateway_settings.database_url,
           "CRM_JWT_KEYS": ",".join(f"{k}:{v}" for k, v in TEST_JWT_KEYS.items()),
           "CRM_INTERNAL_SECRET": gateway_settings.internal_secret, "CRM_ADMIN_PASSWORD": "admin-pass",
           "CRM_USER_RATE_LIMIT": "0", "LOG_LEVEL": "WARNING", "CRM_DB_POOL_API": "2,2",
           }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    cmd = [gunicorn, "--workers", str(WORKERS), "--worker-class", "gthread", "--threads", "4",
           "--bind", f"127.0.0.1:{port}", "--access-logfile", str(access_log),
           "--access-logformat", "%(p)s %(U)s?%(q)s %(s)s", "--no-control-socket", "gateway.bootstrap:create_app()"]
    with open(logdir / "gunicorn.log", "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: {(logdir / 'gunicorn.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield Gateway(f"http://127.0.0.1:{port}", access_log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def many(gateway: Gateway, token: str, path: str, n: int) -> list[int]:
    """n requests at once, each on its own connection (so both workers take some)."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda _: gateway.api("GET", path, token).status_code, range(n)))


def logged(path: str) -> str:
    return f"/api/v1{path}"


def revoked_everywhere(gateway: Gateway, token: str, path: str) -> None:
    """Every request after the revocation is 401, until both workers have been seen refusing."""
    for _ in range(20):
        statuses = many(gateway, token, path, 16)
        assert statuses == [401] * len(statuses), statuses
        if len(gateway.pids_answering(logged(path), 401)) >= WORKERS:
            return
    pytest.fail(f"only workers {gateway.pids_answering(logged(path), 401)} answered {path}")


@pytest.fixture
def victim(gunicorn_gateway) -> tuple[dict, dict]:
    admin = gunicorn_gateway.login("admin", "admin-pass")
    username = f"victim-{uuid.uuid4().hex[:8]}"
    created = gunicorn_gateway.api("POST", "/users", admin["access_token"],
                                   json={"username": username, "password": "victim-pass-1", "role": "manager"})
    assert created.status_code == 201, created.text
    return admin, {**created.json(), "tokens": gunicorn_gateway.login(username, "victim-pass-1")}


def warmed(gateway: Gateway, token: str, path: str) -> None:
    """The victim's token used on both workers first (an old per-worker cache would hold it)."""
    for _ in range(20):
        assert many(gateway, token, path, 16) == [200] * 16
        if len(gateway.pids_answering(logged(path), 200)) >= WORKERS:
            return
    pytest.fail("the requests did not reach both workers")


@pytest.mark.parametrize("revoke", ["own password change", "admin reset", "deactivation", "role change", "logout"])
def test_revocation_holds_on_every_gunicorn_worker_at_once(gunicorn_gateway, victim, revoke):
    admin, user = victim
    token = user["tokens"]["access_token"]
    path = f"/auth/me?case={uuid.uuid4().hex[:8]}"  # this case's requests in the access log
    warmed(gunicorn_gateway, token, path)
    calls = {
        "own password change": ("POST", "/auth/password", token,
                                {"old_password": "victim-pass-1", "new_password": "victim-pass-2"}, 204),
        "admin reset": ("PATCH", f"/users/{user['id']}", admin["access_token"], {"password": "reset-pass-3"}, 200),
        "deactivation": ("POST", f"/users/{user['id']}/deactivate", admin["access_token"], None, 200),
        "role change": ("PATCH", f"/users/{user['id']}", admin["access_token"], {"role": "sales"}, 200),
        "logout": ("POST", "/auth/logout", token, None, 204),
    }
    method, call_path, caller, body, status = calls[revoke]
    answer = gunicorn_gateway.api(method, call_path, caller, json=body)
    assert answer.status_code == status, answer.text
    revoked_everywhere(gunicorn_gateway, token, path)
    refreshed = gunicorn_gateway.api("POST", "/auth/refresh", json={"refresh_token": user["tokens"]["refresh_token"]})
    assert refreshed.status_code == 401
