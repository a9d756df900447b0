"""The portal's blueprint on a bare Flask app: index, assets with the right types,
no way out of the static folder, idempotent registration, GATEWAY_PORTAL_DIR."""

from __future__ import annotations

import pytest
from flask import Flask

from gateway.portal import CONTENT_SECURITY_POLICY, blueprint, portal_bp, register_portal


@pytest.fixture
def client():
    app = Flask("portal-test")
    register_portal(app)
    return app.test_client()


def test_index_is_the_portal_page_with_a_strict_policy(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r.mimetype == "text/html"
    assert r.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    page = r.get_data(as_text=True)
    assert '<script type="module" src="/portal/js/main.js">' in page
    assert 'href="/portal/portal.css"' in page


@pytest.mark.parametrize(("path", "mimetype"), [
    ("/portal/js/main.js", "text/javascript"),
    ("/portal/js/pages/customer.js", "text/javascript"), ("/portal/vendor/preact.mjs", "text/javascript"),
    ("/portal/portal.css", "text/css"),
])
def test_assets_have_types_a_browser_accepts_for_modules(client, path, mimetype):
    r = client.get(path)
    assert r.status_code == 200
    assert r.mimetype == mimetype
    assert r.headers.get("ETag")  # revalidated, never stale after an upgrade


@pytest.mark.parametrize("path", ["/portal/../__init__.py", "/portal/%2e%2e/__init__.py",
                                  "/portal/no-such-file.js", "/portal/", "/no-such-file.js"])
def test_nothing_outside_the_static_folder_or_missing_is_served(client, path):
    assert client.get(path).status_code == 404


def test_registering_twice_changes_nothing():
    app = Flask("portal-twice")
    register_portal(app)
    register_portal(app)
    assert app.blueprints["portal"] is portal_bp is blueprint()
    assert app.test_client().get("/").status_code == 200


def test_portal_dir_can_be_overridden(client, tmp_path, monkeypatch):
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>branch</title>", encoding="utf-8")
    monkeypatch.setenv("GATEWAY_PORTAL_DIR", str(tmp_path))
    assert "branch" in client.get("/").get_data(as_text=True)
    monkeypatch.setenv("GATEWAY_PORTAL_DIR", str(tmp_path / "missing"))
    assert client.get("/").status_code == 404


def test_text_assets_go_out_gzipped_to_clients_that_accept_it(client):
    import gzip

    plain = client.get("/portal/vendor/preact.mjs")
    zipped = client.get("/portal/vendor/preact.mjs", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    assert "Accept-Encoding" in zipped.headers["Vary"] and "Content-Encoding" not in plain.headers
