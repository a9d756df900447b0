"""The customer list's search (issue 21.5) at small scale against real PostgreSQL: 2- and
3-character fragments (Chinese and Latin), full names, phone, contact name and e-mail
fragments, visibility per role, and the estimated total past the count threshold (the
threshold lowered here, so the same code path runs on a few rows)."""

from __future__ import annotations

import pytest

from services.customer.api import customers as customers_api

pytestmark = pytest.mark.integration


def make(client, name, **extra):
    r = client.post("/customers", json={"name": name, **extra})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def add_contact(client, customer_id, name, **extra):
    r = client.post(f"/customers/{customer_id}/contacts", json={"name": name, **extra})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def search(client, q, **params):
    query = "&".join(f"{k}={v}" for k, v in {"q": q, "per_page": 200, **params}.items())
    r = client.get(f"/customers?{query}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def ids(answer):
    return [x["id"] for x in answer["items"]]


@pytest.fixture(scope="module")
def data(people):
    """The rep (people.sales, in people.manager's team) and people.other (another team)
    each own customers with the same rare fragments; created oldest first."""
    mine = [make(people.sales, n, phone=p) for n, p in (
        ("夔龘精工机电有限公司", "021-6600 1234"), ("北京夔龘科技有限公司", "0755-8800 5678"),
        ("Qzx Trading Co., Ltd.", "+86 139 1111 2222"), ("Alqzbe Holdings", None))]
    theirs = [make(people.other, n) for n in ("夔龘贸易有限公司", "QZX Global Ltd.")]
    add_contact(people.sales, mine[0]["id"], "欧阳夔夔", email="Boss.Ouyang@Qzxmail.example")
    add_contact(people.other, theirs[0]["id"], "司马夔夔", email="sima@qzxmail.example")
    return {"mine": [c["id"] for c in mine], "theirs": [c["id"] for c in theirs]}


def test_two_and_three_character_chinese_fragments(people, data):
    mine, theirs = data["mine"], data["theirs"]
    two = search(people.sales, "夔龘")
    assert ids(two) == [mine[1], mine[0]] and two["total"] == 2 and two["total_is_estimate"] is False
    assert ids(search(people.sales, "夔龘科")) == [mine[1]]
    assert set(ids(search(people.admin, "夔龘"))) == {mine[0], mine[1], theirs[0]}
    # a contact's name: the customer of "欧阳夔夔" (and not the other team's "司马夔夔")
    assert ids(search(people.sales, "夔夔")) == [mine[0]]
    assert set(ids(search(people.admin, "夔夔"))) == {mine[0], theirs[0]}


def test_latin_fragments_full_names_and_case(people, data):
    mine, theirs = data["mine"], data["theirs"]
    assert ids(search(people.sales, "qz")) == [mine[3], mine[2]]  # "Alqzbe", "Qzx": case and width folded
    assert ids(search(people.sales, "QZX")) == [mine[2], mine[0]]  # the name; a contact's e-mail
    assert ids(search(people.sales, "Trad")) == [mine[2]]
    assert set(ids(search(people.admin, "qzx"))) == {mine[2], theirs[1], mine[0], theirs[0]}  # + e-mails
    assert ids(search(people.sales, "北京夔龘科技有限公司")) == [mine[1]]
    assert ids(search(people.sales, "Qzx Trading Co., Ltd.")) == [mine[2]]


def test_phone_and_email_fragments(people, data):
    mine, theirs = data["mine"], data["theirs"]
    assert ids(search(people.sales, "8800567")) == [mine[1]]
    assert ids(search(people.sales, "1391111")) == [mine[2]]
    assert ids(search(people.sales, "ouyang@")) == [mine[0]]  # a contact's e-mail, case folded
    assert ids(search(people.sales, "qzxmail.example")) == [mine[0]]
    assert set(ids(search(people.admin, "qzxmail.example"))) == {mine[0], theirs[0]}
    assert search(people.other, "ouyang@")["total"] == 0
    assert search(people.sales, "q_x%")["total"] == 0  # LIKE's wildcards are matched as themselves


def test_visibility_per_role(people, data):
    mine, theirs = data["mine"], data["theirs"]
    assert set(ids(search(people.manager, "夔龘"))) == {mine[0], mine[1]}  # the rep is in the team
    assert set(ids(search(people.manager2, "夔龘"))) == {theirs[0]}
    assert ids(search(people.other, "夔龘")) == [theirs[0]]
    assert search(people.finance, "夔龘")["total"] == 0  # finance sees no customer without a grant


@pytest.mark.parametrize("role", ["admin", "manager", "sales", "other"])
def test_estimated_total_past_the_threshold(people, data, monkeypatch, role):
    """Past ESTIMATE_FROM visible matches the total is a lower bound with the flag, the
    page comes from the order-index walk and holds the same rows in the same order as the
    exact path, visibility included."""
    client = getattr(people, role)
    everything = search(client, "qzx") if role == "admin" else None
    reference = search(client, "夔龘")
    reference_ids = ids(reference)
    monkeypatch.setattr(customers_api, "ESTIMATE_FROM", 1)
    estimated = search(client, "夔龘")
    if len(reference_ids) > 1:
        assert estimated["total_is_estimate"] is True
        assert estimated["total"] == len(reference_ids)  # every match is on this page: the rows seen
        assert ids(estimated) == reference_ids
        first = search(client, "夔龘", per_page=1, page=1)
        second = search(client, "夔龘", per_page=1, page=2)
        assert first["total_is_estimate"] and first["total"] == 1  # a lower bound
        assert ids(first) + ids(second) == reference_ids[:2]
        assert second["total"] == 2
    else:
        assert estimated["total_is_estimate"] is False and ids(estimated) == reference_ids
    for theirs in (data["theirs"] if role in ("sales", "manager") else data["mine"] if role == "other" else []):
        assert theirs not in ids(estimated)
    if everything:
        monkeypatch.setattr(customers_api, "ESTIMATE_FROM", 2)
        walked = search(client, "qzx", sort="name")
        assert walked["total_is_estimate"] is True
        monkeypatch.setattr(customers_api, "ESTIMATE_FROM", 10_000)
        assert ids(walked) == ids(search(client, "qzx", sort="name"))


def test_short_and_suffix_only_queries_still_refused(people, data):
    assert people.sales.get("/customers?q=夔").status_code == 422
    assert people.sales.get("/customers?q=q").status_code == 422
    r = people.sales.get("/customers?q=有限公司")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "search_too_broad"


def test_list_without_q_says_its_total_is_exact(people, data):
    answer = people.sales.get("/customers").get_json()
    assert answer["total_is_estimate"] is False and answer["total"] == 4


def test_openapi_documents_the_estimate_flag(app):
    doc = app.test_client().get("/openapi.json").get_json()
    schema = doc["paths"]["/customers"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    assert "total_is_estimate" in doc["components"]["schemas"][name]["properties"]


def test_contacts_too_many_to_list_are_checked_per_row(people, data, monkeypatch):
    """When more contacts match than CONTACT_LIST_MAX (an e-mail domain, say), the page is
    walked with each row's own contacts checked; the total is exact when the walk ends on
    the page, else the rows seen so far with the estimate flag."""
    from services.customer.api import customer_filters

    mine, theirs = data["mine"], data["theirs"]
    monkeypatch.setattr(customer_filters, "CONTACT_LIST_MAX", 0)
    answer = search(people.sales, "qzxmail.example")
    assert ids(answer) == [mine[0]] and answer["total"] == 1 and answer["total_is_estimate"] is False
    assert search(people.other, "ouyang@")["total"] == 0
    assert ids(search(people.sales, "夔夔")) == [mine[0]]  # a contact's name, the same way
    first = search(people.admin, "qzxmail.example", per_page=1)
    assert first["total_is_estimate"] is True and first["total"] == 1
    second = search(people.admin, "qzxmail.example", per_page=1, page=2)
    assert set(ids(first) + ids(second)) == {mine[0], theirs[0]}
    third = search(people.admin, "qzxmail.example", per_page=1, page=3)
    assert ids(third) == [] and third["total"] == 2 and third["total_is_estimate"] is False
    # the name and phone conditions still count in that path
    assert set(ids(search(people.admin, "qzx"))) == {mine[2], theirs[1], mine[0], theirs[0]}
