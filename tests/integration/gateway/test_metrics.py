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
