"""The portal's per-user preferences (/api/v1/preferences) on the real gateway database."""

from __future__ import annotations


def test_a_new_user_has_empty_preferences(make_user):
    rep = make_user()
    response = rep.get("/preferences")
    assert response.status_code == 200
    assert response.get_json() == {"language": None, "saved_views": {}, "columns": {}}


def test_parts_are_replaced_one_by_one_and_kept_per_user(make_user):
    rep, other = make_user(), make_user()
    assert rep.open("PUT", "/preferences", json={"language": "en"}).status_code == 200
    views = {"customers": [{"name": "我的重点客户", "query": {"category": "A", "status": "active"}}]}
    answer = rep.open("PUT", "/preferences", json={"saved_views": views, "columns": {"customers": ["name", "owner"]}})
    assert answer.status_code == 200
    assert answer.get_json() == {"language": "en", "saved_views": views, "columns": {"customers": ["name", "owner"]}}
    assert rep.get("/preferences").get_json()["saved_views"] == views
    assert other.get("/preferences").get_json() == {"language": None, "saved_views": {}, "columns": {}}


def test_bad_preferences_are_422_and_change_nothing(make_user):
    rep = make_user()
    rep.open("PUT", "/preferences", json={"language": "zh-CN"})
    for body, field in [({"language": "fr"}, "language"), ({"theme": "dark"}, "theme"),
                        ({"saved_views": {"customers": [{"name": ""}]}}, "saved_views"),
                        ({"saved_views": {"Bad Key": []}}, "saved_views"),
                        ({"saved_views": {"c": [{"name": "a"}, {"name": "a"}]}}, "saved_views"),
                        ({"columns": {"customers": ["a", "a"]}}, "columns")]:
        response = rep.open("PUT", "/preferences", json=body)
        assert response.status_code == 422, body
        assert field in response.get_json()["error"]["details"]
    assert rep.get("/preferences").get_json()["language"] == "zh-CN"


def test_preferences_need_a_login(client):
    assert client.get("/api/v1/preferences").status_code == 401
