"""Fixtures for the gateway's integration tests: a migrated gateway database, a fake
upstream service on a free port, and the gateway app pointing at it."""

from __future__ import annotations

import os

# Cheap password hashing for the tests (set before the gateway is imported).
os.environ.setdefault("CRM_ARGON2_TIME_COST", "1")
os.environ.setdefault("CRM_ARGON2_MEMORY_KIB", "1024")
os.environ.setdefault("CRM_ARGON2_PARALLELISM", "1")

import json  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from flask import Flask, Response, jsonify, request  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from gateway.bootstrap import create_app  # noqa: E402
from gateway.config import GatewayConfig  # noqa: E402
from shared.config import SERVICES  # noqa: E402
from shared.identity import IDENTITY_HEADER, REQUEST_ID_HEADER, InvalidIdentity, verify_identity  # noqa: E402
from shared.testing.fixtures import TEST_JWT_KEYS  # noqa: E402

CLOSED_PORT_URL = "http://127.0.0.1:9"  # discard port: nothing listens, connection refused


class ServerThread:
    """A WSGI app served on 127.0.0.1:<free port> in a thread."""

    def __init__(self, app: Flask):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


def fake_service_app(name: str, secret: str) -> Flask:
    """Echoes what it received; checks the identity header like a real service."""
    app = Flask(f"fake-{name}")
    app.json.ensure_ascii = False
    calls: list[dict[str, Any]] = []
    app.config["calls"] = calls

    @app.get("/readyz")
    def readyz():
        return jsonify({"status": "ready", "service": name})

    @app.get("/openapi.json")
    def openapi():
        return jsonify({"openapi": "3.0.3", "info": {"title": name, "version": "1"},
                        "paths": {f"/{name}-things": {"get": {"summary": "list", "responses": {"200": {
                            "description": "ok", "content": {"application/json": {"schema": {
                                "$ref": "#/components/schemas/Thing"}}}}}}}},
                        "components": {"schemas": {"Thing": {"type": "object", "properties": {
                            "id": {"type": "string"}}}}}})

    @app.route("/<path:path>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def echo(path: str):
        try:
            principal = verify_identity(request.headers.get(IDENTITY_HEADER, ""), secret)
        except InvalidIdentity as exc:
            return jsonify({"error": {"code": "not_authenticated", "message": str(exc), "details": {}}}), 401
        if path.endswith("slow"):
            time.sleep(float(request.args.get("s", "3")))
        if path.endswith("file"):
            return Response("名字,电话\n".encode() * 3, mimetype="text/csv",
                            headers={"Content-Disposition": 'attachment; filename="export.csv"'})
        if path.endswith("big"):
            return Response(b"x" * (3 * 1024 * 1024), mimetype="application/octet-stream")
        if path.endswith("crash"):
            return Response("<html>boom</html>", status=500, mimetype="text/html")
        record = {
            "service": name, "method": request.method, "path": request.path,
            "query": request.query_string.decode(), "user_id": principal.user_id, "role": principal.role,
            "request_id": request.headers.get(REQUEST_ID_HEADER), "content_type": request.content_type,
            "body": request.get_data(as_text=True) if not request.files else None,
            "files": {k: f.read().decode() for k, f in request.files.items()},
            "form": dict(request.form), "authorization": request.headers.get("Authorization"),
            "identity": request.headers.get(IDENTITY_HEADER),
        }
        calls.append(record)
        status = 201 if request.method == "POST" else 200
        return Response(json.dumps(record, ensure_ascii=False), status=status, mimetype="application/json")

    return app


@pytest.fixture(scope="session")
def fake_services(gateway_settings) -> Iterator[dict[str, ServerThread]]:
    secret = gateway_settings.internal_secret
    servers = {name: ServerThread(fake_service_app(name, secret)) for name in SERVICES}
    for server in servers.values():
        server.__enter__()
    yield servers
    for server in servers.values():
        server.__exit__()


@pytest.fixture(scope="session")
def gateway_settings(service_settings):
    return service_settings("gateway")


@pytest.fixture(scope="session")
def gateway_config(fake_services) -> GatewayConfig:
    return GatewayConfig(
        upstreams={name: server.url for name, server in fake_services.items()},
        jwt_keys=dict(TEST_JWT_KEYS),
        admin_username="admin", admin_password="admin-pass",
        login_max_per_pair=5, login_max_per_address=50, ready_timeout=1.0,
        connect_timeout=1.0, read_timeout=2.0, user_rate_limit=100000,
    )


@pytest.fixture(scope="session")
def gateway_app(gateway_settings, gateway_config) -> Iterator[Flask]:
    app = create_app(gateway_settings, gateway_config)
    yield app
    app.extensions["gateway"].dispose()


@pytest.fixture
def client(gateway_app):
    return gateway_app.test_client()


class Caller:
    """A logged-in user of the gateway app's test client."""

    def __init__(self, test_client, token: str, user: dict[str, Any] | None = None):
        self.client = test_client
        self.token = token
        self.user = user or {}

    def open(self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any):
        all_headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        return self.client.open(f"/api/v1{path}", method=method, headers=all_headers, **kw)

    def get(self, path: str, **kw: Any):
        return self.open("GET", path, **kw)

    def post(self, path: str, **kw: Any):
        return self.open("POST", path, **kw)

    def patch(self, path: str, **kw: Any):
        return self.open("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any):
        return self.open("DELETE", path, **kw)


def login(test_client, username: str, password: str) -> str:
    response = test_client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


@pytest.fixture
def admin(client) -> Caller:
    token = login(client, "admin", "admin-pass")
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    return Caller(client, token, me)


_counter = iter(range(10**6))


@pytest.fixture
def make_user(client, admin) -> Callable[..., Caller]:
    def make(role: str = "sales", manager_id: str | None = None, password: str = "secret-pw") -> Caller:
        username = f"{role}{next(_counter)}-{time.monotonic_ns() % 10**8}"
        response = admin.post("/users", json={"username": username, "password": password, "role": role,
                                              "full_name": f"测试 {role}", "manager_id": manager_id})
        assert response.status_code == 201, response.get_json()
        return Caller(client, login(client, username, password), response.get_json())

    return make
