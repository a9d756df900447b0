"""The local-folder document store (shared.storage): keys are ours and cannot climb out of
the folder; a write is whole or absent."""

from __future__ import annotations

import pytest

from shared.storage import BlobMissing, LocalFolderStore, check_key, document_store_from_env


def test_put_get_delete(tmp_path):
    store = LocalFolderStore(tmp_path)
    store.put("documents/ab/abc-1", b"hello")
    assert store.get("documents/ab/abc-1") == b"hello"
    assert (tmp_path / "documents" / "ab" / "abc-1").read_bytes() == b"hello"
    store.put("documents/ab/abc-1", b"again")  # replaced whole
    assert store.get("documents/ab/abc-1") == b"again"
    assert [p.name for p in (tmp_path / "documents" / "ab").iterdir()] == ["abc-1"]  # no temporary left
    store.delete("documents/ab/abc-1")
    store.delete("documents/ab/abc-1")  # deleting what is gone is fine
    with pytest.raises(BlobMissing):
        store.get("documents/ab/abc-1")


@pytest.mark.parametrize("key", ["../x", "documents/../../etc/passwd", "/etc/passwd", ".hidden", "a//b",
                                 "a/.b", "a\\b", "", "a/b/", "报价.pdf", "a b"])
def test_keys_that_are_not_ours_are_refused(tmp_path, key):
    with pytest.raises(ValueError):
        check_key(key)
    with pytest.raises(ValueError):
        LocalFolderStore(tmp_path).put(key, b"x")


def test_the_folder_comes_from_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DOCUMENT_DIR", str(tmp_path / "docs"))
    store = document_store_from_env()
    store.put("k1", b"1")
    assert (tmp_path / "docs" / "k1").read_bytes() == b"1"
    monkeypatch.delenv("CRM_DOCUMENT_DIR")
    assert str(document_store_from_env().root).endswith("var/documents")  # type: ignore[attr-defined]
