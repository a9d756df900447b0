"""Contract attachments, attacked: a rep uploads HTML or SVG claiming to be an image, hoping a
colleague's browser runs it from our origin; hostile file names; oversized bodies."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest

from tests.integration.sales.test_contracts import contract
from tests.unit.shared.test_files import GIF, HTML, JPEG, PDF, PNG, SVG, WEBP

pytestmark = pytest.mark.integration


def attach(client, contract_id: str, data: bytes, name: str, content_type: str):
    r = client.post(f"/contracts/{contract_id}/attachments", data={"file": (io.BytesIO(data), name, content_type)},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    return r.get_json()


@pytest.mark.parametrize("data,name,claimed", [
    (HTML, "报价.html", "text/html"),
    (HTML, "photo.png", "image/png"),         # HTML posing as an image
    (SVG, "logo.svg", "image/svg+xml"),       # SVG runs script: never served as an image
    (b"alert(1)", "x.js", "application/javascript"),
])
def test_active_content_is_served_as_an_opaque_download(world, data, name, claimed):
    c = contract(world)
    rep1 = world.client("rep1")
    up = attach(rep1, c["id"], data, name, claimed)
    assert up["content_type"] == "application/octet-stream"
    for url in (f"/contracts/{c['id']}/attachments/{up['id']}",
                f"/contracts/{c['id']}/attachments/{up['id']}?inline=1"):
        down = world.client("manager").get(url)
        assert down.status_code == 200 and down.data == data
        assert down.headers["Content-Type"] == "application/octet-stream"
        assert down.headers["X-Content-Type-Options"] == "nosniff"
        disposition = down.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition


@pytest.mark.parametrize("data,kind", [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"),
                                       (WEBP, "image/webp"), (PDF, "application/pdf")])
def test_safe_images_and_pdf_keep_their_sniffed_type(world, data, kind):
    c = contract(world)
    rep1 = world.client("rep1")
    up = attach(rep1, c["id"], data, "scan.bin", "text/html")  # the claimed type is ignored
    assert up["content_type"] == kind
    down = rep1.get(f"/contracts/{c['id']}/attachments/{up['id']}")
    assert down.headers["Content-Type"] == kind and down.headers["X-Content-Type-Options"] == "nosniff"
    assert down.headers["Content-Disposition"].startswith("attachment;")
    inline = rep1.get(f"/contracts/{c['id']}/attachments/{up['id']}?inline=1")
    assert inline.headers["Content-Disposition"].startswith("inline;")


def test_a_row_stored_with_the_uploaders_type_is_still_sniffed_on_download(world):
    c = contract(world)
    rep1 = world.client("rep1")
    up = attach(rep1, c["id"], HTML, "old.html", "text/html")
    with world.engine.begin() as conn:  # as rows written before this fix were
        conn.exec_driver_sql("UPDATE contract_attachments SET content_type = 'text/html' WHERE id = %s",
                             (up["id"],))
    down = rep1.get(f"/contracts/{c['id']}/attachments/{up['id']}")
    assert down.headers["Content-Type"] == "application/octet-stream"


def test_hostile_names_are_cleaned_before_they_are_stored(world):
    c = contract(world)
    rep1 = world.client("rep1")
    up = attach(rep1, c["id"], PDF, "..\\..\\.\u202efdp.exe\x07", "application/pdf")
    assert up["filename"] == "fdp.exe"
    down = rep1.get(f"/contracts/{c['id']}/attachments/{up['id']}")
    assert down.headers["Content-Disposition"] == "attachment; filename=\"fdp.exe\"; filename*=UTF-8''fdp.exe"


def test_body_past_the_limit_is_413_before_the_form_is_read(world):
    c = contract(world)
    limit = world.app.extensions["sales_config"].attachment_max_bytes
    r = world.client("rep1").post(f"/contracts/{c['id']}/attachments",
                                  data={"file": (io.BytesIO(b"\0" * (limit + 200_000)), "big.bin")},
                                  content_type="multipart/form-data")
    assert r.status_code == 413
    assert r.get_json()["error"] == {"code": "payload_too_large", "message": r.get_json()["error"]["message"],
                                     "details": {"max_bytes": limit}}
