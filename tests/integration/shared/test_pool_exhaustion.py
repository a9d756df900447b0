"""A service whose connection pool is exhausted answers 503 service_unavailable in the
error body after its wait, never a 500 (and works again once a connection is free)."""

from __future__ import annotations

from shared.testing.clients import ServiceClient, new_user


def test_an_exhausted_pool_is_a_503_then_recovers(service_settings, monkeypatch):
    from services.customer.bootstrap import root

    monkeypatch.setenv("CRM_DB_POOL_API", "1,0")
    monkeypatch.setenv("CRM_DB_POOL_TIMEOUT_S", "0.3")
    settings = service_settings("customer")
    app = root.create_app(settings)
    engine = app.extensions["crm"].engine
    try:
        client = ServiceClient(app, new_user("admin"), settings.internal_secret)
        held = engine.connect()  # the only connection of the budget
        try:
            answer = client.get("/customers")
            assert answer.status_code == 503
            assert answer.get_json()["error"]["code"] == "service_unavailable"
        finally:
            held.close()
        assert client.get("/customers").status_code == 200
    finally:
        engine.dispose()


def test_pool_budget_per_process_kind(monkeypatch):
    from shared.db import pool_budget

    monkeypatch.delenv("CRM_DB_POOL_API", raising=False)
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    api = pool_budget("api")
    assert (api.size, api.overflow) == (1, 3)  # one at rest, one per request thread at most
    assert (pool_budget("consumer").size, pool_budget("consumer").overflow) == (1, 1)
    assert (pool_budget("relay").size, pool_budget("relay").overflow) == (1, 0)
    monkeypatch.setenv("CRM_DB_POOL_API", "2,6")
    assert (pool_budget("api").size, pool_budget("api").overflow) == (2, 6)
