"""A settings copy for another database listens on that database, not the old one."""

from __future__ import annotations

from shared.config import settings_for


def test_a_new_database_url_brings_its_own_direct_url(monkeypatch):
    monkeypatch.delenv("BILLING_DIRECT_DATABASE_URL", raising=False)
    base = settings_for("billing", database_url="postgresql+psycopg://127.0.0.1/one")
    assert base.direct_database_url.endswith("/one")
    moved = base.with_(database_url="postgresql+psycopg://127.0.0.1/two")
    assert moved.direct_database_url.endswith("/two")
    pinned = base.with_(database_url="postgresql+psycopg://127.0.0.1/three", direct_database_url="postgresql://x/direct")
    assert pinned.direct_database_url == "postgresql://x/direct"
    assert base.with_(prefetch=7).direct_database_url.endswith("/one")
