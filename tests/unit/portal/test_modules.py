"""The portal's ES modules link: every relative import names a file of the static folder,
only names that module exports, and only names the importer uses; the page loads no
script or style from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.portal import DEFAULT_DIR

JS_DIR = DEFAULT_DIR / "js"
MODULES = sorted(JS_DIR.rglob("*.js"))
IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"([^"]+)";', re.MULTILINE)
DEFAULT_IMPORT = re.compile(r'^import\s+(\w+)\s+from\s*"([^"]+)";', re.MULTILINE)
DYNAMIC_IMPORT = re.compile(r'import\("([^"]+)"\)')
RAW_HTML = re.compile(r"\.(?:inner|outer)HTML\s*=|insertAdjacentHTML|document\.write")
EXPORT = re.compile(r"^export\s+(?:async\s+)?(?:function|const|let|class)\s+([A-Za-z_$][\w$]*)", re.MULTILINE)


EXPORT_LIST = re.compile(r"^export\s*\{([^}]*)\}", re.MULTILINE)


def exports_of(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    listed = {n.strip().split(" as ")[-1] for names in EXPORT_LIST.findall(text) for n in names.split(",") if n.strip()}
    return set(EXPORT.findall(text)) | listed


def test_there_are_modules():
    assert JS_DIR / "main.js" in MODULES and len(MODULES) > 10


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(JS_DIR)))
def test_imports_resolve_to_exported_names(module: Path):
    text = module.read_text(encoding="utf-8")
    for names, source in IMPORT.findall(text):
        assert source.startswith("./") or source.startswith("../"), f"{module.name}: non-relative import {source}"
        target = (module.parent / source).resolve()
        assert target.is_file() and DEFAULT_DIR in target.parents, f"{module.name}: {source} not found"
        wanted = {n.strip().split(" as ")[0] for n in names.split(",") if n.strip()}
        if target.parent.name == "vendor":  # minified third-party code: only lib.js imports it
            assert module.name == "lib.js", f"{module.name}: import the framework through lib.js"
            continue
        missing = wanted - exports_of(target)
        assert not missing, f"{module.name}: {source} does not export {sorted(missing)}"
        body = IMPORT.sub("", text)
        unused = {n for n in wanted if not re.search(rf"\b{re.escape(n)}\b", body)}
        assert not unused, f"{module.name}: unused imports {sorted(unused)}"
    assert not RAW_HTML.search(text), f"{module.name}: build nodes with html``, never raw HTML"
    assert "dangerouslySetInnerHTML" not in text, f"{module.name}: server text is never inserted as HTML"


def test_index_loads_only_local_files():
    page = (DEFAULT_DIR / "index.html").read_text(encoding="utf-8")
    for ref in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert ref.startswith(("/portal/", "#", "data:")), ref
        if ref.startswith("/portal/"):
            assert (DEFAULT_DIR / ref.removeprefix("/portal/")).is_file(), ref


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(JS_DIR)))
def test_default_and_lazy_imports_resolve(module: Path):
    text = module.read_text(encoding="utf-8")
    for _name, source in DEFAULT_IMPORT.findall(text):
        assert (module.parent / source).resolve().is_file(), f"{module.name}: {source} not found"
    for source in DYNAMIC_IMPORT.findall(text):  # routes loaded on demand
        assert (module.parent / source).resolve().is_file(), f"{module.name}: {source} not found"
