"""Response headers on /api answers, the docs page's protection, and the user directory
as a sales rep sees it."""

from __future__ import annotations

import re

import pytest

from tests.integration.gateway.conftest import Caller


def assert_api_headers(response) -> None:
    assert response.headers.get("X-Content-Type-Options") == "nosniff", response.headers
    assert response.headers.get("Cache-Control") == "no-store", response.headers


def test_every_api_answer_is_nosniff_and_no_store(client, admin):
    answers = [
        admin.get("/auth/me"), admin.get("/users"), admin.get(f"/users/{admin.user['id']}"),
        admin.get("/customers"),  # forwarded to a service
        admin.post("/orders/x", json={}),
        admin.get("/no-such-segment"),  # 404 error body
        admin.get("/users/not-a-uuid"),
        client.get("/api/v1/customers"),  # 401
        client.post("/api/v1/auth/login", json={"username": "admin", "password": "admin-pass"}),
        client.post("/api/v1/auth/login", json={"username": "nobody-here", "password": "wrong-one"}),
        client.post("/api/v1/auth/refresh", json={}),
        client.get("/api/v1/openapi.json"),
        client.get("/api/v1/docs"),
    ]
    for response in answers:
        assert_api_headers(response)


def test_a_file_download_keeps_its_type_and_disposition(admin):
    response = admin.get("/exports/file")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="export.csv"'
    assert_api_headers(response)


def test_a_streamed_answer_gets_the_headers_too(admin):
    response = admin.get("/exports/big")
    assert response.status_code == 200 and len(response.get_data()) == 3 * 1024 * 1024
    assert_api_headers(response)


def test_the_portal_page_keeps_its_own_caching(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers.get("Cache-Control") != "no-store"


# --- /api/v1/docs ----------------------------------------------------------------------------

def test_docs_page_has_the_portals_csp_and_frame_protection(client):
    from gateway.portal import CONTENT_SECURITY_POLICY

    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert page.headers["X-Frame-Options"] == "DENY"
    html = page.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all('src="/api/v1/docs/static/' in attrs and not body.strip() for attrs, body in scripts)
    assert " on" not in html.lower().replace("json", "")  # no inline event handlers


def test_docs_script_persists_no_authorization(client):
    init = client.get("/api/v1/docs/static/init.js")
    assert init.status_code == 200 and "javascript" in init.headers["Content-Type"]
    source = init.get_data(as_text=True)
    assert re.search(r"persistAuthorization:\s*false", source)
    assert "localStorage" not in source and "sessionStorage" not in source
    assert re.search(r"queryConfigEnabled:\s*false", source) and re.search(r"validatorUrl:\s*null", source)


@pytest.mark.parametrize("asset", ["index.html", "oauth2-redirect.html", "swagger-initializer.js", "../meta.py",
                                   "swagger-ui.js.map"])
def test_only_the_docs_pages_own_assets_are_served(client, asset):
    response = client.get(f"/api/v1/docs/static/{asset}")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


# --- the user directory ----------------------------------------------------------------------

PICKER_FIELDS = {"id", "username", "full_name"}


@pytest.mark.parametrize("role", ["sales", "finance", "warehouse"])
def test_other_roles_read_names_and_ids_only(admin, make_user, role):
    boss = make_user("manager")
    reader = make_user(role, manager_id=boss.user["id"])
    listed = reader.get("/users", query_string={"per_page": 200})
    assert listed.status_code == 200
    items = listed.get_json()["items"]
    others = [u for u in items if u["id"] != reader.user["id"]]
    assert others and all(set(u) == PICKER_FIELDS for u in others), others[:3]
    assert not any("role" in u or "active" in u or "manager_id" in u for u in others)
    one = reader.get(f"/users/{admin.user['id']}").get_json()
    assert set(one) == PICKER_FIELDS and one["username"] == "admin"
    own = reader.get(f"/users/{reader.user['id']}").get_json()
    assert own["role"] == role and own["manager_id"] == boss.user["id"]
    me = reader.get("/auth/me").get_json()
    assert me["role"] == role and me["manager_id"] == boss.user["id"] and me["active"] is True


@pytest.mark.parametrize("query", [{"role": "admin"}, {"manager_id": "00000000-0000-4000-8000-000000000001"},
                                   {"active": "false"}])
def test_other_roles_cannot_learn_roles_by_filtering(make_user, query):
    rep = make_user("sales")
    refused = rep.get("/users", query_string=query)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"


def test_other_roles_list_active_people_only(admin, make_user):
    rep = make_user("sales")
    gone = make_user("sales")
    assert admin.post(f"/users/{gone.user['id']}/deactivate").status_code == 200
    listed = rep.get("/users", query_string={"q": gone.user["username"]}).get_json()
    assert listed["total"] == 0 and listed["items"] == []
    assert rep.get("/users", query_string={"q": rep.user["username"], "active": "true"}).get_json()["total"] == 1
    # a name on an old record still resolves by id
    assert rep.get(f"/users/{gone.user['id']}").get_json() == {
        "id": gone.user["id"], "username": gone.user["username"], "full_name": gone.user["full_name"]}


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_admins_and_managers_read_the_whole_directory(admin, make_user, role):
    reader = admin if role == "admin" else make_user("manager")
    rep = make_user("sales")
    assert isinstance(reader, Caller)
    listed = reader.get("/users", query_string={"q": rep.user["username"]}).get_json()["items"]
    assert listed[0]["role"] == "sales" and listed[0]["active"] is True and "manager_id" in listed[0]
    assert reader.get("/users", query_string={"role": "sales", "active": "true"}).status_code == 200
    assert reader.get(f"/users/{rep.user['id']}").get_json()["role"] == "sales"
