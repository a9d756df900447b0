"""The web portal's static files, served by the gateway without a token (API.md: the
portal's static files are public). Files come from GATEWAY_PORTAL_DIR or, by default,
gateway/portal_static/; `/` answers its index.html. Paths under /api never reach here."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Blueprint, abort, send_from_directory

DEFAULT_DIR = Path(__file__).parent / "portal_static"


def portal_dir() -> Path:
    return Path(os.environ.get("GATEWAY_PORTAL_DIR") or DEFAULT_DIR)


def blueprint() -> Blueprint:
    bp = Blueprint("gateway_portal", __name__)
    root = portal_dir()

    @bp.get("/")
    def index():
        if not (root / "index.html").is_file():
            abort(404)
        return send_from_directory(root, "index.html", max_age=0)

    @bp.get("/<path:filename>")
    def asset(filename: str):
        if filename.startswith("api/") or not root.is_dir():
            abort(404)
        return send_from_directory(root, filename, max_age=300)  # safe_join refuses '..'

    return bp
