"""The gateway counts requests by route (a forwarded call by its service's collection,
never the raw path) and never shows metrics on its public port: not at /metrics, not
under /api (no service's /metrics is reachable through it)."""

from __future__ import annotations

import uuid

from prometheus_client import REGISTRY


def _count(route: str, status: str, method: str = "GET") -> float:
    labels = {"service": "gateway", "method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value("crm_http_requests_total", labels) or 0.0


def test_forwarded_calls_are_counted_by_service_collection(admin):
    thing = str(uuid.uuid4())
    before = _count("/api/v1/customers/*", "200")
    assert admin.get(f"/customers/{thing}").status_code == 200
    assert admin.get("/customers").status_code == 200
    assert _count("/api/v1/customers/*", "200") == before + 2
    unrouted = _count("/api/v1/<unrouted>", "404")
    assert admin.get(f"/no-such-collection/{thing}").status_code == 404
    assert _count("/api/v1/<unrouted>", "404") == unrouted + 1
    exposed = [s for metric in REGISTRY.collect() for s in metric.samples if thing in str(s.labels)]
    assert exposed == []


def test_gateway_own_routes_are_counted_by_url_rule(client, admin):
    before = _count("/api/v1/auth/me", "200")
    assert admin.get("/auth/me").status_code == 200
    assert _count("/api/v1/auth/me", "200") == before + 1
    unauth = _count("/api/v1/auth/me", "401")
    assert client.get("/api/v1/auth/me").status_code == 401
    assert _count("/api/v1/auth/me", "401") == unauth + 1


def test_no_metrics_on_the_public_port(client, admin, fake_services):
    for response in (client.get("/metrics"), client.get("/api/v1/metrics"), admin.get("/metrics"),
                     admin.get("/../metrics"), client.get("/api/metrics")):
        assert b"crm_http_requests_total" not in response.data
        assert response.status_code in (401, 404), (response.status_code, response.data[:200])
    # nothing was forwarded to a service's /metrics
    assert not [call for server in fake_services.values() for call in server.server.app.config["calls"]
                if call["path"].endswith("/metrics")]


def test_the_gateway_logs_each_request_as_json_with_the_callers_request_id(admin, fake_services):
    import io
    import json
    import logging

    from shared import logs

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logs.json_formatter())
    handler.addFilter(logs.ContextFilter())
    http_log = logging.getLogger("crm.http")
    http_log.addHandler(handler)
    level = http_log.level
    http_log.setLevel(logging.INFO)
    try:
        request_id = f"gw-{uuid.uuid4()}"
        r = admin.get("/customers", headers={"X-Request-ID": request_id})
        assert r.status_code == 200 and r.headers["X-Request-ID"] == request_id
    finally:
        http_log.removeHandler(handler)
        http_log.setLevel(level)
    docs = [json.loads(line) for line in buffer.getvalue().splitlines()]
    mine = [d for d in docs if d.get("request_id") == request_id]
    assert len(mine) == 1, docs
    assert mine[0]["route"] == "/api/v1/customers/*" and mine[0]["status"] == 200
    assert mine[0]["user_id"] == admin.user["id"] and mine[0]["correlation_id"] == request_id
    # and the service was called with the same request id
    assert any(call["request_id"] == request_id for call in fake_services["customer"].server.app.config["calls"])
