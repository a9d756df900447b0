"""How much of the API the portal reaches (issue 14: at least 85% of the merged OpenAPI
document's operations). The portal's modules are read as text: an operation is reached
when its path appears in them (a GET: any literal naming it, a list page's `path`, a
picker's `kind`; a write: an api.post/patch/put/del/upload call, a document form's `path`,
or the session's own fetches, or a picture's upload buttons)."""

from __future__ import annotations

import re

from gateway.portal import DEFAULT_DIR
from shared.testing.openapi_docs import merged_document

REQUIRED_SHARE = 0.85
# operations no screen should call: the portal's own session plumbing is counted through
# fetch(); these are for integrators and tools only
NOT_FOR_PEOPLE = {("GET", "/readyz"), ("GET", "/healthz")}
WRITE_CALL = re.compile(r'\b(?:api\.(post|patch|put|del|upload)|request\("(POST|PATCH|PUT|DELETE)",)\s*\(?\s*(`[^`]*`|"[^"]*")')
METHODS = {"post": "POST", "patch": "PATCH", "put": "PUT", "del": "DELETE", "upload": "POST"}


def _shape(raw: str) -> str:
    raw = raw.strip('`"').replace("${BASE}", "")
    return re.sub(r"\$\{[^}]*\}", "{}", raw).split("?")[0].rstrip("/")


def operations() -> set[tuple[str, str]]:
    found = set()
    for path, item in merged_document()["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                found.add((method.upper(), re.sub(r"\{[^}]*\}", "{}", path.removeprefix("/api/v1"))))
    return found - NOT_FOR_PEOPLE


def reached() -> set[tuple[str, str]]:
    js = "\n".join(p.read_text("utf-8") for p in sorted((DEFAULT_DIR / "js").rglob("*.js")))
    paths = {_shape(m.group(1)) for m in re.finditer(r'"(/[a-z][^"]*)"', js)}
    paths |= {_shape(m.group(1)) for m in re.finditer(r"`(/[a-z][^`]*)`", js)}
    for m in re.finditer(r'\bkind[=:]\s*"([a-z/-]+)"', js):
        paths |= {f"/{m.group(1)}", f"/{m.group(1)}/{{}}"}
    writes = {(METHODS.get(m.group(1) or "", m.group(2)), _shape(m.group(3))) for m in WRITE_CALL.finditer(js)}
    writes |= {("POST", _shape(m.group(1)))
               for m in re.finditer(r'<\$\{(?:DocumentForm|Simple|Documents)\}[^>]*?path="(/[^"]+)"', js, re.S)}
    writes |= {(m.group(2), _shape(m.group(1))) for m in re.finditer(r'fetch\(`\$\{BASE\}([^`]*)`,\s*\{\s*method: "(\w+)"', js)}
    # ui/picture.js's buttons upload (PUT) and remove (DELETE) the picture at their `path`
    writes |= {(method, _shape(m.group(1))) for m in re.finditer(r'<\$\{PictureButtons\}\s+path=\$\{(`[^`]+`)\}', js)
               for method in ("PUT", "DELETE")}
    return {(method, path) for method, path in operations()
            if (method == "GET" and path in paths) or (method, path) in writes}


def test_the_portal_reaches_most_of_the_api(capsys):
    ops, hit = operations(), reached()
    share = len(hit) / len(ops)
    with capsys.disabled():
        print(f"\nportal reaches {len(hit)} of {len(ops)} operations ({share:.0%}); not reached:",
              ", ".join(f"{m} {p}" for m, p in sorted(ops - hit)))
    assert share >= REQUIRED_SHARE
