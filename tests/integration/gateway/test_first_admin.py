"""The first admin: created once, with its event, even when several workers start at once."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from gateway.bootstrap import ensure_first_admin
from shared.db import make_engine


def test_concurrent_workers_create_one_admin(service_settings, gateway_config):
    settings = service_settings("gateway")  # a fresh, empty gateway database
    config = gateway_config.with_(admin_username="boss", admin_password="boss-pass")
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        barrier.wait()
        results.append(ensure_first_admin(settings, config))

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [False, False, False, True]
    assert ensure_first_admin(settings, config) is False  # and never again
    engine = make_engine(settings.database_url, pool_size=1)
    with engine.connect() as conn:
        users = conn.execute(sa.text("SELECT username, role, active FROM users")).all()
        events = conn.execute(sa.text("SELECT routing_key, payload FROM outbox")).all()
    engine.dispose()
    assert [tuple(u) for u in users] == [("boss", "admin", True)]
    assert [e.routing_key for e in events] == ["gateway.user.created.v1"]
    assert events[0].payload["data"]["username"] == "boss" and events[0].payload["data"]["role"] == "admin"
