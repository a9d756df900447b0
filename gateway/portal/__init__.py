"""The web portal: plain HTML, CSS and ES modules served by the gateway without a token
(API.md: the portal's static files are public; every datum comes from /api/v1 with the
user's bearer token, so visibility stays server-side).

`/` answers index.html and `/portal/<path>` the assets under gateway/portal/static/ (or
GATEWAY_PORTAL_DIR when set). Wire it with `register_portal(app)` in the app factory.
"""

from __future__ import annotations

import gzip
import os
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, request, send_from_directory

DEFAULT_DIR = Path(__file__).parent / "static"
BLUEPRINT_NAME = "portal"
# send_from_directory guesses from the system's mime tables; module scripts need a JS type
MIME_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
              ".html": "text/html", ".svg": "image/svg+xml", ".json": "application/json"}
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
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


def _send(filename: str) -> Response:
    root = static_dir()
    if not root.is_dir():
        abort(404)
    mimetype = MIME_TYPES.get(Path(filename).suffix.lower())
    # max_age 0 with ETag: a browser revalidates (304) and never runs a stale module after an upgrade
    response = send_from_directory(root, filename, mimetype=mimetype, max_age=0)  # safe_join refuses '..'
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
    response = _send("index.html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    return response


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
