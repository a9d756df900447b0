"""Hostile input at the gateway (issue 11.5): odd paths under /api answer the JSON error
body (never Werkzeug's HTML redirect page), the path is forwarded re-quoted, and the
gateway's own endpoints refuse 2,000-deep JSON, NUL text and huge paging with a 4xx."""

from __future__ import annotations

import pytest

from tests.integration.gateway.conftest import login


def error_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.mark.parametrize("path", ["//customers", "/customers//x", "///customers", "//users", "//auth/me",
                                  "/customers/%00", "/customers/a%0D%0Ab", "/customers/%7F"])
def test_odd_paths_under_api_answer_a_json_404(admin, path):
    for method in ("GET", "POST", "PATCH", "DELETE"):
        error_of(admin.open(method, path), 404)


def test_odd_paths_without_a_token_are_json_too(client):
    error_of(client.get("/api/v1//customers"), 404)
    error_of(client.get("//api/v1/customers"), 404)


def test_a_trailing_slash_is_forwarded_not_redirected(admin):
    r = admin.get("/customers/")
    assert r.status_code == 200 and r.get_json()["path"] == "/customers/"
    assert admin.get("/users/").status_code == 200  # the gateway's own: strict_slashes off


@pytest.mark.parametrize("segment", ["中文", "a b", "x%25y", "~.-_"])
def test_the_path_is_forwarded_re_quoted(admin, segment):
    from urllib.parse import quote, unquote

    r = admin.get("/customers/" + quote(segment, safe="~"))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.get_json()["path"] == "/customers/" + unquote(quote(segment, safe="~"))


def test_a_very_long_path_is_not_a_500(admin):
    assert admin.get("/customers/" + "x" * 20_000).status_code == 200  # the service decides (echo: 200)
    error_of(admin.get("/" + "y" * 20_000), 404)


def test_deep_json_is_400_at_the_gateways_own_endpoints(client, admin):
    deep = b"[" * 2000 + b"]" * 2000
    assert error_of(client.post("/api/v1/auth/login", data=deep, content_type="application/json"),
                    400)["code"] == "malformed_json"
    for path in ("/users", "/auth/password"):
        assert error_of(admin.post(path, data=deep, content_type="application/json"), 400)["code"] == "malformed_json"
    nested = b'{"full_name": ' + b'{"a":' * 2000 + b"1" + b"}" * 2001
    assert error_of(admin.patch(f"/users/{admin.user['id']}", data=nested, content_type="application/json"),
                    400)["code"] == "malformed_json"


def test_nul_in_login_and_filters_is_422(client, admin):
    error = error_of(client.post("/api/v1/auth/login", json={"username": "admin\u0000", "password": "x"}), 422)
    assert error["details"] == {"username": ["must not contain NUL characters"]}
    assert "q" in error_of(admin.get("/users?q=a%00"), 422)["details"]
    assert "customer_id" in error_of(admin.get("/orders?customer_id=%00"), 422)["details"]  # before forwarding


@pytest.mark.parametrize("query", ["page=1e20", "page=99999999999999999999", "per_page=1e2"])
def test_huge_paging_of_users_is_422(admin, query):
    error_of(admin.get(f"/users?{query}"), 422)


def test_login_still_works(client):
    assert login(client, "admin", "admin-pass")
