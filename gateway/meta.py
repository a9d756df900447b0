"""/healthz, /readyz (every service's readiness, asked concurrently), the merged OpenAPI
document at /api/v1/openapi.json and the offline docs page at /api/v1/docs.

`/readyz?scope=gateway` checks the gateway's own database only: the readiness probe of the
gateway's pods (deploy/k8s), which must not take the one public door out of service when
a single service behind it is down (that service's paths answer 503 meanwhile)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from gateway.context import gateway_context
from gateway.portal import CONTENT_SECURITY_POLICY
from gateway.proxy import UpstreamError
from shared.config import SERVICES
from shared.db import ping, sessions_of
from shared.openapi import build_openapi, merge_documents
from shared.web import error_response

bp = Blueprint("gateway_meta", __name__)
_pool = ThreadPoolExecutor(max_workers=len(SERVICES) + 1, thread_name_prefix="gw-fanout")
NOT_DOCUMENTED = ("/api/v1/openapi.json", "/api/v1/docs", "/api/v1/<")  # the document, its page, the proxy


def gateway_documented(rule: str) -> bool:
    """The gateway's own API routes (/api/v1/auth, /users, ... of every api_* blueprint)."""
    return rule.startswith("/api/v1/") and not rule.startswith(NOT_DOCUMENTED)


def _ask(service: str, path: str, timeout: float) -> tuple[str, Any]:
    """(service, parsed JSON) on 200, else (service, an error text)."""
    upstreams = gateway_context().upstreams
    try:
        status, raw = upstreams.get(service, path, timeout=timeout)
    except UpstreamError as exc:
        return service, f"unreachable: {exc}"
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if status != 200:
        reason = body.get("error", {}).get("details") if isinstance(body, dict) else None
        failed = reason.get("failed") if isinstance(reason, dict) else None
        if isinstance(failed, dict) and failed:  # name what is down: its consumer, relay, ...
            return service, "; ".join(f"{kind}: {why}" for kind, why in failed.items())[:600]
        return service, f"status {status}" + (f": {json.dumps(reason)[:300]}" if reason else "")
    if not isinstance(body, dict):
        return service, "answer is not a JSON object"
    return service, body


def _fan_out(path: str, timeout: float) -> dict[str, Any]:
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def call(service: str) -> tuple[str, Any]:
        with app.app_context():
            return _ask(service, path, timeout)

    return dict(_pool.map(call, SERVICES))


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok", "service": "gateway"})


def _kinds(why: str) -> str:
    """'consumer: ...; relay: ...' -> 'consumer, relay' (what is down, for the message)."""
    kinds = [part.split(":", 1)[0].strip() for part in why.split("; ") if ":" in part]
    known = [k for k in kinds if k in ("database", "broker", "consumer", "relay")]
    return ", ".join(known) or "unreachable"


@bp.get("/readyz")
def readyz():
    ctx = gateway_context()
    own_only = request.args.get("scope") == "gateway"
    answers = {} if own_only else _fan_out("/readyz", ctx.config.ready_timeout)
    failed = {name: answer for name, answer in answers.items() if not isinstance(answer, dict)}
    try:
        ping(ctx.engine)
        if sessions_of(ctx.engine, "relay") < 1:
            failed["gateway"] = "relay: no session of the gateway relay on its database: the relay is down"
    except Exception as exc:  # reported, not raised
        failed["gateway"] = f"database: {str(exc)[:200]}"
    if failed:
        down = [f"{name} ({_kinds(why)})" for name, why in sorted(failed.items())]
        return error_response(503, "not_ready", "not every service is ready: " + ", ".join(down),
                              {"failed": failed, "ready": sorted(set(answers) - set(failed))})
    if own_only:
        return jsonify({"status": "ready", "scope": "gateway"})
    return jsonify({"status": "ready", "services": sorted(answers)})


@bp.get("/api/v1/openapi.json")
def openapi_json():
    ctx = gateway_context()
    own = build_openapi(current_app, "CRM suite API", version="1.0.0",
                        include=gateway_documented)
    answers = _fan_out("/openapi.json", ctx.config.ready_timeout)
    documents = {name: doc for name, doc in answers.items() if isinstance(doc, dict) and "paths" in doc}
    merged = merge_documents(own, documents)
    for public in ("/api/v1/auth/login", "/api/v1/auth/refresh"):
        for operation in merged["paths"].get(public, {}).values():
            operation["security"] = []
    for operation in merged["paths"].get("/api/v1/auth/logout", {}).values():
        operation["security"] = [{"bearerAuth": []}, {}]  # the bearer token, or the refresh token alone
    for path, item in merged["paths"].items():  # read through its secret URL (gateway.auth.PUBLIC_FEEDS)
        if path.startswith(("/api/v1/calendar/feed/", "/api/v1/campaigns/unsubscribe/")) and "get" in item:
            item["get"]["security"] = []
    merged["servers"] = [{"url": "/"}]
    missing = {name: answer if isinstance(answer, str) else "no OpenAPI document"
               for name, answer in answers.items() if name not in documents}
    merged["info"]["x-services-missing"] = missing
    merged["info"]["description"] = "Merged document of the gateway and every service." + (
        f" Left out (not reachable): {', '.join(sorted(missing))}." if missing else "")
    return jsonify(merged)


_DOCS_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>CRM suite API</title>
<link rel="stylesheet" href="/api/v1/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/v1/docs/static/swagger-ui-bundle.js"></script>
<script src="/api/v1/docs/static/swagger-ui-standalone-preset.js"></script>
<script src="/api/v1/docs/static/init.js"></script>
</body></html>
"""
# Only what the page uses (not the package's own index.html, initializer or OAuth2 redirect page).
DOCS_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
               "favicon-16x16.png", "favicon-32x32.png"}
OWN_ASSETS = Path(__file__).parent / "docs_static"  # init.js


def _page_headers(response: Response) -> Response:
    """The portal's CSP (no inline script, same-origin only) and frame protection."""
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/api/v1/docs")
def docs_page():
    return _page_headers(Response(_DOCS_PAGE, mimetype="text/html"))


@bp.get("/api/v1/docs/static/<path:filename>")
def docs_asset(filename: str):
    if filename == "init.js":
        response = send_from_directory(OWN_ASSETS, filename, mimetype="text/javascript", max_age=0)
    elif filename in DOCS_ASSETS:
        response = send_from_directory(Path(swagger_ui_path), filename, max_age=3600)
    else:
        return error_response(404, "not_found", "no such documentation asset")
    return _page_headers(response)
