"""A contact's direct superior (直接领导) and photo (issue 16.4), against the real database and a
folder store: the superior is another contact of the same customer and never makes a loop;
deleting a superior leaves those below without one; a photo is shrunk to a JPEG, replaced and
removed with its file, refused when it is not a picture, and never reached by another rep."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image

from shared.storage import LocalFolderStore
from tests.integration.customer.conftest import outbox_events

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def store(app, tmp_path_factory):
    folder = LocalFolderStore(tmp_path_factory.mktemp("photos"))
    app.extensions["document_store"] = folder
    return folder


def customer(client) -> str:
    r = client.post("/customers", json={"name": f"组织架构客户{uuid.uuid4().hex[:8]}"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def contact(client, cid: str, name: str, **extra) -> dict:
    r = client.post(f"/customers/{cid}/contacts", json={"name": name, **extra})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def png(size=(1200, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def put_photo(client, contact_id: str, data: bytes, name: str = "photo.png"):
    return client.put(f"/contacts/{contact_id}/photo", data={"file": (io.BytesIO(data), name)},
                      content_type="multipart/form-data")


def test_superiors_stay_within_the_customer_and_never_loop(people, engine):
    rep = people.sales
    cid, other_cid = customer(rep), customer(rep)
    boss = contact(rep, cid, "张总", title="总经理")
    buyer = contact(rep, cid, "李经理", title="采购经理", superior_id=boss["id"])
    clerk = contact(rep, cid, "王五", superior_id=buyer["id"])
    assert (buyer["superior_id"], clerk["superior_id"]) == (boss["id"], buyer["id"])
    assert rep.get(f"/contacts/{clerk['id']}").get_json()["superior_id"] == buyer["id"]
    event = outbox_events(engine, "customer.contact.created", clerk["id"])[0]
    assert event["data"]["superior_id"] == buyer["id"] and event["data"]["has_photo"] is False

    stranger = contact(rep, other_cid, "外人")
    for target, superior, why in [(None, stranger["id"], "same customer"), (None, str(uuid.uuid4()), "no such"),
                                  (boss["id"], clerk["id"], "reports to it"), (boss["id"], boss["id"], "itself")]:
        if target is None:
            r = rep.post(f"/customers/{cid}/contacts", json={"name": "新人", "superior_id": superior})
        else:
            r = rep.patch(f"/contacts/{target}", json={"superior_id": superior})
        assert r.status_code == 422, (target, superior, r.get_json())
        assert why in r.get_json()["error"]["details"]["superior_id"][0]
    assert rep.patch(f"/contacts/{clerk['id']}", json={"superior_id": None}).get_json()["superior_id"] is None
    assert rep.patch(f"/contacts/{clerk['id']}", json={"superior_id": boss["id"]}).get_json()["superior_id"] == boss["id"]

    assert rep.delete(f"/contacts/{boss['id']}").status_code == 204
    assert rep.get(f"/contacts/{buyer['id']}").get_json()["superior_id"] is None
    assert rep.get(f"/contacts/{clerk['id']}").get_json()["superior_id"] is None
    updates = outbox_events(engine, "customer.contact.updated", buyer["id"])
    assert updates[-1]["data"]["superior_id"] is None


def test_a_photo_is_shrunk_replaced_and_removed_and_only_for_those_who_see_the_customer(people, engine, store):
    rep, other, manager = people.sales, people.other, people.manager
    cid = customer(rep)
    person = contact(rep, cid, "赵六")
    assert rep.get(f"/contacts/{person['id']}/photo").status_code == 404
    r = put_photo(rep, person["id"], png())
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["photo_updated_at"]
    got = rep.get(f"/contacts/{person['id']}/photo")
    assert got.status_code == 200 and got.content_type == "image/jpeg"
    image = Image.open(io.BytesIO(got.data))
    assert image.format == "JPEG" and image.size == (512, 341)
    assert manager.get(f"/contacts/{person['id']}/photo").status_code == 200  # the rep's manager
    assert other.get(f"/contacts/{person['id']}/photo").status_code == 404    # another team
    assert put_photo(other, person["id"], png()).status_code == 404
    first_files = list(store.root.rglob("*.jpg"))
    assert len([f for f in first_files if person["id"] in f.name]) == 1

    assert put_photo(rep, person["id"], png((300, 300))).status_code == 200
    files = [f for f in store.root.rglob("*.jpg") if person["id"] in f.name]
    assert len(files) == 1 and files != first_files  # the old file is gone
    assert Image.open(io.BytesIO(rep.get(f"/contacts/{person['id']}/photo").data)).size == (300, 300)

    refused = put_photo(rep, person["id"], b"%PDF-1.4 a document", "photo.jpg")
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "not_a_picture"
    assert rep.put(f"/contacts/{person['id']}/photo", data={}, content_type="multipart/form-data").status_code == 422
    assert put_photo(rep, person["id"], b"x" * (10 * 1024 * 1024 + 1)).status_code == 413
    assert [f for f in store.root.rglob("*.jpg") if person["id"] in f.name] == files  # nothing changed

    assert rep.delete(f"/contacts/{person['id']}/photo").status_code == 204
    assert rep.delete(f"/contacts/{person['id']}/photo").status_code == 404
    assert rep.get(f"/contacts/{person['id']}").get_json()["photo_updated_at"] is None
    assert [f for f in store.root.rglob("*.jpg") if person["id"] in f.name] == []
    has_photo = [e["data"]["has_photo"] for e in outbox_events(engine, "customer.contact.updated", person["id"])]
    assert has_photo == [True, True, False]
