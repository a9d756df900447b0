"""The portal's blueprint on a bare Flask app: index, assets with the right types,
no way out of the static folder, idempotent registration, GATEWAY_PORTAL_DIR."""

from __future__ import annotations

import pytest
from flask import Flask

from gateway.portal import (
    CONTENT_SECURITY_POLICY,
    blueprint,
    portal_bp,
    register_portal,
    release_id,
)


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
    release = release_id()
    assert f'<script type="module" src="/portal/r/{release}/js/main.js">' in page
    assert "/portal/js/" not in page  # every asset under the release
    assert r.headers["Cache-Control"] == "no-cache"
    assert f'href="/portal/r/{release}/portal.css"' in page


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



def test_assets_of_the_current_release_are_cached_for_good_and_older_ones_revalidated(client):
    release = release_id()
    current = client.get(f"/portal/r/{release}/js/main.js")
    assert current.status_code == 200 and current.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert current.get_data() == client.get("/portal/js/main.js").get_data()
    old = client.get("/portal/r/0000000000000000/js/main.js")
    assert old.status_code == 200 and "immutable" not in old.headers.get("Cache-Control", "")
    assert client.get(f"/portal/r/{release}/../app.py").status_code == 404


def test_the_release_changes_when_a_file_does(tmp_path, monkeypatch):
    import time as clock

    from gateway import portal

    (tmp_path / "index.html").write_text('<script type="module" src="/portal/js/main.js"></script>')
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "main.js").write_text("export {};")
    before = portal.release_id(tmp_path)
    clock.sleep(0.01)
    (tmp_path / "js" / "main.js").write_text("export const x = 1;")
    monkeypatch.setattr(portal, "RELEASE_TTL_S", 0)
    assert portal.release_id(tmp_path) != before
