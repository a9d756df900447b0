"""The web portal: plain HTML, CSS and ES modules served by the gateway without a token
(API.md: the portal's static files are public; every datum comes from /api/v1 with the
user's bearer token, so visibility stays server-side).

`/` answers index.html and `/portal/<path>` the assets under gateway/portal/static/ (or
GATEWAY_PORTAL_DIR when set). Wire it with `register_portal(app)` in the app factory.

Caching: the page names its assets under `/portal/r/<release>/...`, where the release is a
digest of every file's path, size and modification time. Those URLs never change content, so
they are cached for a year without revalidation (a reload costs one request for the page, not
one per module); any change to any file gives new URLs. The modules import each other by
relative paths, so they stay under the page's release.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import time
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, request, send_from_directory

DEFAULT_DIR = Path(__file__).parent / "static"
BLUEPRINT_NAME = "portal"
# send_from_directory guesses from the system's mime tables; module scripts need a JS type
MIME_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
              ".html": "text/html", ".svg": "image/svg+xml", ".json": "application/json"}
# img-src blob:: pictures the API answers only with the session's token (a contact's photo) are
# fetched by the portal's own scripts and shown from a blob: URL they made
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                           "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
                           "object-src 'none'")

portal_bp = Blueprint(BLUEPRINT_NAME, __name__)


def static_dir() -> Path:
    return Path(os.environ.get("GATEWAY_PORTAL_DIR") or DEFAULT_DIR)


COMPRESSIBLE = {".js", ".mjs", ".css", ".html", ".json", ".svg"}


@lru_cache(maxsize=256)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    """The file compressed once per version (path, mtime, size): text assets go out gzip'd."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


IMMUTABLE = "public, max-age=31536000, immutable"
ASSET_REF = re.compile(r'(["(])/portal/')


_release_cache: dict[str, tuple[float, str]] = {}
RELEASE_TTL_S = 1.0


def release_id(root: Path | None = None) -> str:
    """A digest of the static files' paths, sizes and modification times: it changes
    whenever any file does (looked at again at most once a second)."""
    root = root or static_dir()
    cached = _release_cache.get(str(root))
    now = time.monotonic()
    if cached and now - cached[0] < RELEASE_TTL_S:
        return cached[1]
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    release = digest.hexdigest()[:16]
    _release_cache[str(root)] = (now, release)
    return release


def _send(filename: str, *, immutable: bool = False) -> Response:
    root = static_dir()
    if not root.is_dir():
        abort(404)
    mimetype = MIME_TYPES.get(Path(filename).suffix.lower())
    # unversioned: max_age 0 with ETag (a browser revalidates and never runs a stale module)
    response = send_from_directory(root, filename, mimetype=mimetype, max_age=0)  # safe_join refuses '..'
    if immutable and response.status_code == 200:
        response.headers["Cache-Control"] = IMMUTABLE
    response.headers["Vary"] = "Accept-Encoding"
    if (response.status_code == 200 and Path(filename).suffix.lower() in COMPRESSIBLE
            and "gzip" in request.headers.get("Accept-Encoding", "")):
        path = (root / filename).resolve()
        stat = path.stat()
        body = _gzipped(str(path), stat.st_mtime_ns, stat.st_size)
        response.direct_passthrough = False
        response.set_data(body)
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Content-Length"] = str(len(body))
        if response.headers.get("ETag"):  # another representation: another validator
            response.set_etag(response.get_etag()[0] + "-gz")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@portal_bp.get("/")
def index() -> Response:
    root = static_dir()
    if not (root / "index.html").is_file():
        abort(404)
    release = release_id(root)
    page = ASSET_REF.sub(lambda m: f"{m.group(1)}/portal/r/{release}/", (root / "index.html").read_text("utf-8"))
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(hashlib.sha256(page.encode()).hexdigest()[:32])
    response.make_conditional(request)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@portal_bp.get("/portal/r/<release>/<path:filename>")
def released_asset(release: str, filename: str) -> Response:
    """An asset of a release: cached for good when it is the current one; an older page's
    request gets today's file, revalidated as usual."""
    return _send(filename, immutable=release == release_id())


@portal_bp.get("/portal/<path:filename>")
def asset(filename: str) -> Response:
    return _send(filename)


def register_portal(app: Flask) -> None:
    """Serve the portal from `app` (idempotent: a second call changes nothing)."""
    if BLUEPRINT_NAME not in app.blueprints:
        app.register_blueprint(portal_bp)


def blueprint() -> Blueprint:
    """The portal's blueprint, for an app factory that registers blueprints itself."""
    return portal_bp
