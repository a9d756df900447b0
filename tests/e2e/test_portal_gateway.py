"""The gateway serves the portal without a token, next to the API: the page, its modules
with a JavaScript type, nothing outside the portal's folder, and the API's answers stay JSON."""

from __future__ import annotations

import re

import pytest
import requests

pytestmark = pytest.mark.e2e


def test_the_gateway_serves_the_portal_publicly(suite):
    page = requests.get(f"{suite.url}/", timeout=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    release = re.search(r'<script type="module" src="/portal/r/(\w+)/js/main.js">', page.text).group(1)
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    module = requests.get(f"{suite.url}/portal/r/{release}/js/main.js", timeout=5)
    assert module.status_code == 200 and module.headers["Content-Type"].startswith("text/javascript")
    assert module.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert requests.get(f"{suite.url}/portal/portal.css", timeout=5).headers["Content-Type"].startswith("text/css")
    zipped = requests.get(f"{suite.url}/portal/vendor/preact.mjs", headers={"Accept-Encoding": "gzip"}, timeout=5)
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert int(zipped.headers["Content-Length"]) < len(zipped.content)  # requests inflated it


@pytest.mark.parametrize("path", ["/portal/../app.py", "/portal/%2e%2e/app.py", "/portal/js/nope.js", "/nope.js"])
def test_nothing_else_is_served_as_a_file(suite, path):
    answer = requests.get(f"{suite.url}{path}", timeout=5)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"  # the gateway's JSON error body, not a file


def test_the_api_is_not_shadowed_by_the_portal(suite):
    answer = requests.get(f"{suite.url}/api/v1/customers", timeout=5)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "not_authenticated"
