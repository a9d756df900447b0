"""Flask helpers every service uses: the app factory, the contract's error body, the
caller's identity from the gateway, request ids, JSON and pagination helpers."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, Flask, g, jsonify, request
from marshmallow import Schema, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from shared.db import is_unavailable
from shared.errors import BadRequest, DomainError, NotAuthenticated, ValidationFailed
from shared.identity import (
    IDENTITY_HEADER,
    REQUEST_ID_HEADER,
    InvalidIdentity,
    Principal,
    verify_identity,
)
from shared.outbox import EventContext

log = logging.getLogger("crm.web")

PUBLIC_PATHS = {"/healthz", "/readyz", "/openapi.json"}
MAX_PER_PAGE = 200

# HTTP status -> error code, for errors raised by Flask/Werkzeug rather than our domain.
HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    503: "dependency_unavailable",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None):
    response = jsonify(error_body(code, message, details))
    response.status_code = status
    return response


def create_service_app(
    name: str,
    *,
    internal_secret: str,
    blueprints: Iterable[Blueprint],
    readiness_checks: dict[str, Callable[[], None]] | None = None,
    extensions: dict[str, Any] | None = None,
) -> Flask:
    """A service's Flask app: identity required on every route but health checks."""
    app = Flask(name)
    app.json.ensure_ascii = False  # Chinese text round-trips unchanged
    app.json.sort_keys = False
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    app.extensions.update(extensions or {})
    checks = readiness_checks or {}

    @app.before_request
    def _identity() -> Any:
        g.request_id = request.headers.get(REQUEST_ID_HEADER) or str(uuid.uuid4())
        g.principal = None
        if request.path in PUBLIC_PATHS:
            return None
        token = request.headers.get(IDENTITY_HEADER)
        if not token:
            return error_response(401, "not_authenticated", "requests must come through the gateway")
        try:
            g.principal = verify_identity(token, internal_secret)
        except InvalidIdentity as exc:
            return error_response(401, "not_authenticated", f"invalid identity: {exc}")
        return None

    @app.after_request
    def _request_id(response):
        response.headers[REQUEST_ID_HEADER] = getattr(g, "request_id", "")
        return response

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        return error_response(status, HTTP_ERROR_CODES.get(status, "error"), exc.description or exc.name)

    @app.errorhandler(SQLAlchemyError)
    def _database_error(exc: SQLAlchemyError):
        if is_unavailable(exc):  # no free connection, or the server refusing or gone: retry later
            log.warning("%s database unavailable: %s", name, exc)
            return error_response(503, "service_unavailable", f"the {name} service's database is busy or unavailable",
                                  {"service": name})
        log.exception("database error")
        return error_response(500, "internal_error", "internal error")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal_error", "internal error")

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok", "service": name})

    @app.get("/readyz")
    def readyz():
        failed = {}
        for check_name, check in checks.items():
            try:
                check()
            except Exception as exc:  # noqa: BLE001 - report, do not raise
                failed[check_name] = str(exc)[:200]
        if failed:
            return error_response(503, "not_ready", f"{name} is not ready", {"failed": failed})
        return jsonify({"status": "ready", "service": name, "checks": sorted(checks)})

    for bp in blueprints:
        app.register_blueprint(bp)
    return app


# ---- request helpers for handlers ---------------------------------------------------

def principal() -> Principal:
    p = g.get("principal")
    if p is None:
        raise NotAuthenticated("not authenticated")
    return p


def event_context() -> EventContext:
    """The context for events caused by this request: the caller and the request id."""
    return EventContext(actor_id=principal().user_id, correlation_id=g.get("request_id"))


def json_body() -> dict[str, Any]:
    """The request's JSON object; 400 when it is not JSON, 422 when not an object."""
    data = request.get_json(silent=True)
    if data is None:
        raw = request.get_data(cache=True)
        if raw.strip():
            raise BadRequest("request body is not valid JSON", code="malformed_json")
        data = {}
    if not isinstance(data, dict):
        raise ValidationFailed("request body must be a JSON object", details={"_schema": ["must be an object"]})
    return data


def load(schema: Schema, data: dict[str, Any] | None = None, *, partial: bool = False) -> dict[str, Any]:
    """Validate with a marshmallow schema; 422 with per-field messages on failure."""
    try:
        return schema.load(json_body() if data is None else data, partial=partial)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed("the request has invalid fields", details=messages) from exc


def page_args() -> tuple[int, int]:
    """page and per_page from the query string (per_page at most 200)."""
    details = {}
    try:
        page = int(request.args.get("page", 1))
        if page < 1:
            raise ValueError
    except ValueError:
        details["page"] = ["must be a whole number of at least 1"]
        page = 1
    try:
        per_page = int(request.args.get("per_page", 50))
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError
    except ValueError:
        details["per_page"] = [f"must be a whole number from 1 to {MAX_PER_PAGE}"]
        per_page = 50
    if details:
        raise ValidationFailed("invalid paging", details=details)
    return page, per_page


def page_response(items: list[Any], total: int, page: int, per_page: int, **extra: Any):
    return jsonify({"items": items, "total": total, "page": page, "per_page": per_page, **extra})


def uuid_arg(value: str | None, field: str) -> str | None:
    """Validate an id given in a query string; 422 when it is not a UUID."""
    if value in (None, ""):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValidationFailed("invalid id", details={field: ["must be a UUID"]}) from None


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True
