"""The gateway's Flask app: authentication, request ids, rate limits, idempotency keys,
the gateway's own endpoints and forwarding of everything else under /api/v1."""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway import api_auth, api_preferences, api_users, idempotency, meta, portal
from gateway.auth import (
    API_PREFIX,
    assign_request_id,
    authenticate,
    identity_header,
    is_public_feed,
    needs_auth,
)
from gateway.config import IMPORT_FALLBACK, IMPORT_LISTS
from gateway.context import GatewayContext, gateway_context
from gateway.import_list import is_import_list, merged
from gateway.proxy import forward, import_fallbacks, route_for
from shared.identity import REQUEST_ID_HEADER, sign_public_call
from shared.web import error_response, install_error_handlers, refuse_odd_request

log = logging.getLogger("crm.gateway")
GATEWAY_SEGMENTS = {"auth", "users", "openapi.json", "docs"}
PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
PATH_SAFE = "/!$&'()*+,;=:@-._~"  # RFC 3986 pchar and "/": everything else is percent-encoded again


_last_purge = [0.0]
PURGE_EVERY_S = 300


def _purge_now_and_then(conn, ttl_s: int) -> None:
    """Drop expired idempotency records, at most every PURGE_EVERY_S per worker."""
    now = time.monotonic()
    if now - _last_purge[0] >= PURGE_EVERY_S:
        _last_purge[0] = now
        idempotency.purge_expired(conn, ttl_s)


def _claim_idempotency() -> Response | None:
    key = request.headers.get(idempotency.HEADER)
    user = g.get("user")
    if key is None or user is None or request.method not in idempotency.METHODS:
        return None
    key = idempotency.check_key(key)
    ctx = gateway_context()
    req_hash = idempotency.request_hash(request.method, request.path, request.query_string,
                                        request.get_data(cache=True))
    with ctx.engine.begin() as conn:
        stored = idempotency.claim(conn, user["id"], key, req_hash, ctx.config.idempotency_ttl_s,
                                   ctx.liveness.owner())
        _purge_now_and_then(conn, ctx.config.idempotency_ttl_s)
    if stored is not None:
        response = Response(stored.body, status=stored.status, headers=stored.headers)
        response.headers["Idempotent-Replayed"] = "true"
        return response
    g.idempotency = (user["id"], key)
    return None


def _finish_idempotency(response: Response) -> Response:
    claim = g.pop("idempotency", None)
    if claim is None:
        return response
    ctx = gateway_context()
    try:
        with ctx.engine.begin() as conn:
            if response.status_code < 500 and not response.is_streamed:
                headers = {n: response.headers[n] for n in idempotency.STORED_HEADERS if n in response.headers}
                idempotency.store(conn, *claim, idempotency.StoredResponse(response.status_code, headers,
                                                                             response.get_data()))
            else:
                idempotency.release(conn, *claim)
    except Exception:  # noqa: BLE001 - the database gone after the service answered
        # The service's answer stands (a 500 here would hide a write that was made); a
        # repeat later is answered by the service's own store (shared.write_keys) once the
        # claim is taken over.
        log.warning("could not keep the answer to a keyed request", exc_info=True)
    return response


def _release_on_error(_exc: BaseException | None) -> None:
    claim = g.pop("idempotency", None)
    if claim is not None:
        try:
            with gateway_context().engine.begin() as conn:
                idempotency.release(conn, *claim)
        except Exception:  # the stale-claim takeover recovers it later
            log.exception("could not release idempotency key")


def api_headers(response: Response) -> Response:
    """Every answer under /api: never sniffed into another type, never stored by a browser
    or a shared cache (a file download keeps its own Content-Type and Content-Disposition)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers.pop("Expires", None)
    response.headers.pop("Pragma", None)
    return response


def proxy(path: str):
    target = route_for(path)
    if target is None:
        segment = path.split("/", 1)[0]
        if segment in GATEWAY_SEGMENTS:
            return error_response(405, "method_not_allowed", "method not allowed here")
        return error_response(404, "not_found", f"no service serves /{segment}")
    service, service_path = target
    service_path = quote(service_path, safe=PATH_SAFE)  # as sent: no raw spaces or non-ASCII upstream
    ctx = gateway_context()
    principal = g.get("principal")
    if principal is None and request.method == "GET" and is_public_feed(request.path):
        identity = sign_public_call(ctx.settings.internal_secret)  # the service checks the feed's secret
    else:
        identity = identity_header(g.principal, ctx.settings.internal_secret)
    if service == IMPORT_FALLBACK[0] and is_import_list(path):  # every service's imports, one list
        return merged(lambda svc, at, query: forward(ctx.upstreams, svc, at, identity, g.request_id, buffer=True,
                                                     query=query), IMPORT_LISTS)
    fallbacks = import_fallbacks(path, request.method) if service == IMPORT_FALLBACK[0] else []
    if fallbacks:  # an import job: the customer service's, else inventory's, else billing's
        return _first_owner(ctx, identity, [(service, service_path)]
                            + [(svc, quote(at, safe=PATH_SAFE)) for svc, at in fallbacks])
    return forward(ctx.upstreams, service, service_path, identity, g.request_id,
                   buffer=g.get("idempotency") is not None)


def _first_owner(ctx: GatewayContext, identity: Any, candidates: list[tuple[str, str]]) -> Response:
    """The first answer that is neither 404 nor 403 (the service that has the import and lets
    the caller at it); else the first 403 (a role refused), else the last 404."""
    refused: Response | None = None
    answer: Response | None = None
    for service, service_path in candidates:
        answer = forward(ctx.upstreams, service, service_path, identity, g.request_id, buffer=True)
        if answer.status_code == 403:
            refused = refused or answer
        elif answer.status_code != 404:
            return answer
    assert answer is not None
    return refused or answer


def create_gateway_app(ctx: GatewayContext) -> Flask:
    app = Flask("gateway")
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    app.extensions["gateway"] = ctx
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False  # "/api/v1//customers": a JSON 404, not an HTML redirect page

    @app.before_request
    def _before() -> Any:
        assign_request_id()
        g.user = None
        refused = refuse_odd_request(forms=False)  # doubled slashes, control characters, NUL in the query
        if refused is not None:
            return refused
        if needs_auth(request.path, request.method):
            authenticate()
            return _claim_idempotency()
        return None

    @app.after_request
    def _after(response: Response) -> Response:
        response = _finish_idempotency(response)
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        if request.path.startswith("/api/"):
            api_headers(response)
        if response.status_code == 429 and g.get("retry_after"):
            response.headers["Retry-After"] = str(g.retry_after)
        return response

    app.teardown_request(_release_on_error)

    install_error_handlers(app, "gateway", "the gateway's database")

    app.register_blueprint(meta.bp)
    app.register_blueprint(api_auth.bp)
    app.register_blueprint(api_users.bp)
    app.register_blueprint(api_preferences.bp)
    app.add_url_rule(f"{API_PREFIX}/<path:path>", endpoint="proxy", view_func=proxy, methods=PROXY_METHODS)
    portal.register_portal(app)  # the web portal's static files at / (gateway/portal/)
    if ctx.config.trusted_proxies > 0:  # client addresses (login limits) and https from X-Forwarded-*
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=ctx.config.trusted_proxies,  # type: ignore[method-assign]
                                x_proto=ctx.config.trusted_proxies)
    return app
