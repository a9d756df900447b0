"""/readyz names the process kind that is down: a service's consumer (no consumer on its
queue, asked of the broker) and its relay (no relay session on its database)."""

from __future__ import annotations

import pytest

from services.tracking.bootstrap import root
from shared.testing.fixtures import eventually

pytestmark = pytest.mark.integration


def failed(client) -> dict:
    r = client.get("/readyz")
    return r.get_json()["error"]["details"]["failed"] if r.status_code == 503 else {}


def test_readyz_names_a_missing_consumer_and_relay_until_they_run(service_settings, run_in_thread):
    settings = service_settings("tracking")
    root.declare(settings)
    client = root.create_app(settings).test_client()
    down = failed(client)
    assert set(down) == {"consumer", "relay"}, down
    assert "consumer is down" in down["consumer"] and "relay is down" in down["relay"]

    run_in_thread(root.consumer(settings))
    eventually(lambda: set(failed(client)) == {"relay"}, timeout=15)
    run_in_thread(root.relay(settings))
    eventually(lambda: client.get("/readyz").status_code == 200, timeout=15)
    assert client.get("/readyz").get_json()["checks"] == ["broker", "consumer", "database", "relay"]
