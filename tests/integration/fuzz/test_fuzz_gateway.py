"""Property, at the gateway: its own endpoints (login, users, password, documents,
health) and the forwarding of /api/v1/... with odd paths (doubled slashes, trailing
slashes, %00, control characters, non-ASCII, very long) answer hostile input as an
admin and as a sales rep without a 5xx, and every 4xx in the contract's JSON body.
Upstream services are the gateway tests' echo services."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from tests.integration.fuzz import hostile
from tests.integration.fuzz.hostile import EXAMPLES, Pool, Request, fuzz_route, routes
from tests.integration.gateway.conftest import (  # noqa: F401 - fixtures
    fake_services,
    gateway_app,
    gateway_config,
    gateway_settings,
    login,
)

pytestmark = pytest.mark.integration

PROXY_PATHS = ["customers", "/customers", "//customers", "customers/", "customers//x", "customers/%00",
               "customers/a%0D%0Ab", "orders/中文", "customers/%2e%2e/%2e%2e/x", "x" * 5000, "customers/" + "y" * 5000,
               "nosuchservice/x", "customers/a b", "%00", "auth", "users/", "docs/../../etc/passwd"]


@pytest.fixture(scope="module")
def callers(gateway_app) -> dict[str, Any]:  # noqa: F811 - the imported fixture
    client = gateway_app.test_client()
    admin_token = login(client, "admin", "admin-pass")
    auth = {"Authorization": f"Bearer {admin_token}"}
    created = client.post("/api/v1/users", headers=auth, json={
        "username": "fuzz-rep", "password": "fuzz-rep-pass-1", "role": "sales", "full_name": "模糊 销售"})
    assert created.status_code in (201, 409), created.get_json()
    return {"client": client, "admin": admin_token, "rep": login(client, "fuzz-rep", "fuzz-rep-pass-1")}


def test_every_gateway_route_answers_hostile_input_without_a_5xx(gateway_app, callers, monkeypatch):  # noqa: F811
    client = callers["client"]
    pool = Pool()
    pool.add_from(client.get("/api/v1/users", headers={"Authorization": f"Bearer {callers['admin']}"}).get_json(),
                  "api")

    def send(who: str, request: Request):
        kw: dict[str, Any] = {"query_string": request.query,
                              "headers": {"Authorization": f"Bearer {callers[who]}"}}
        if request.data is not None:
            kw["data"] = request.data
            kw["content_type"] = request.content_type
        return client.open(request.path, method=request.method, **kw)

    real_path_strategy = hostile.path_strategy

    def path_strategy(rule: str, pool: Pool):
        if rule.endswith("<path:path>") and rule.startswith("/api/v1"):  # the forwarding rule
            return st.sampled_from(PROXY_PATHS).map(lambda p: "/api/v1/" + p)
        return real_path_strategy(rule, pool)

    monkeypatch.setattr(hostile, "path_strategy", path_strategy)
    found = routes(gateway_app)
    assert any(r.rule.startswith("/api/v1/users") for r in found)
    failures = []
    for route in found:
        try:
            fuzz_route(route, pool, send, ["admin", "rep"], EXAMPLES)
        except AssertionError as exc:
            failures.append(f"{route.method} {route.rule}: {str(exc).splitlines()[0][:700]}")
    assert not failures, "\n".join(failures)
