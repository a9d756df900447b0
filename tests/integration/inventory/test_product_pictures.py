"""Product pictures (issue 16.4): admin and warehouse set one (shrunk to a JPEG within
800 px, the file in the document store), everyone sees it, a replaced or removed picture's
file is gone, anything but a picture is refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from shared.storage import LocalFolderStore

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def store(app, tmp_path_factory):
    folder = LocalFolderStore(tmp_path_factory.mktemp("pictures"))
    app.extensions["document_store"] = folder
    return folder


def png(size=(2000, 1000)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 20)).save(out, "PNG")
    return out.getvalue()


def put(client, pid: str, data: bytes, name: str = "pump.png"):
    return client.put(f"/products/{pid}/picture", data={"file": (io.BytesIO(data), name)},
                      content_type="multipart/form-data")


def files(store, pid: str) -> list:
    return sorted(f for f in store.root.rglob("*.jpg") if pid in f.name)


def test_a_picture_is_set_replaced_seen_and_removed(world, keeper, clients, store):
    pid = world.product()
    assert keeper.get(f"/products/{pid}").get_json()["picture_updated_at"] is None
    assert keeper.get(f"/products/{pid}/picture").status_code == 404
    r = put(keeper, pid, png())
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["picture_updated_at"]
    got = clients.as_new("sales").get(f"/products/{pid}/picture")  # everyone sees the catalogue
    assert got.status_code == 200 and got.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(got.data)).size == (800, 400)
    first = files(store, pid)
    assert len(first) == 1

    assert put(keeper, pid, png((300, 200))).status_code == 200
    second = files(store, pid)
    assert len(second) == 1 and second != first
    for role in ("sales", "manager", "finance"):
        assert put(clients.as_new(role), pid, png()).status_code == 403
        assert clients.as_new(role).delete(f"/products/{pid}/picture").status_code == 403
    bad = put(keeper, pid, b"MZ\x90\x00 a program", "pump.jpg")
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "not_a_picture"
    assert files(store, pid) == second

    assert keeper.delete(f"/products/{pid}/picture").status_code == 204
    assert keeper.delete(f"/products/{pid}/picture").status_code == 404
    assert files(store, pid) == []
    assert keeper.get(f"/products/{pid}").get_json()["picture_updated_at"] is None
    assert put(keeper, "not-a-product", png()).status_code == 404
