"""Flask helpers every service uses: the app factory, the contract's error body and the
error handlers (the gateway installs the same ones), the caller's identity from the
gateway and role checks, request ids, JSON, path ids, paging and time helpers.

Never a 500 for client input (API.md): the helpers here refuse hostile input for every
endpoint at once, before any handler or database sees it --
- JSON bodies nested deeper than MAX_JSON_DEPTH (400 malformed_json), with NaN/Infinity
  or numbers beyond a float (422), with NUL characters or lone surrogates in any string
  or key (422 naming the field: PostgreSQL cannot store NUL in text);
- NUL and other control characters in the path (404) and in query parameters, form
  fields and upload file names (422 naming the parameter);
- paging and dates in query strings out of range (page_args, date_arg: 422);
- a path with doubled slashes answers a JSON 404, never the HTML redirect page;
- a value the database still refuses as out of range (SQLSTATE class 22) is a 422.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
import uuid
from collections.abc import Callable, Collection, Iterable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, g, jsonify, request
from marshmallow import Schema, ValidationError
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from shared.db import is_unavailable
from shared.errors import (
    BadRequest,
    DomainError,
    Forbidden,
    NotAuthenticated,
    NotFound,
    ValidationFailed,
)
from shared.events.fields import MAX_YEAR, MIN_YEAR, in_year_range
from shared.identity import (
    IDENTITY_HEADER,
    REQUEST_ID_HEADER,
    InvalidIdentity,
    Principal,
    verify_identity,
    verify_public_call,
)
from shared.outbox import EventContext

log = logging.getLogger("crm.web")

PUBLIC_PATHS = {"/healthz", "/readyz", "/openapi.json", "/metrics"}  # /metrics: shared.metrics
MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000  # page x per_page stays a sane OFFSET (and far inside BIGINT)
MAX_JSON_DEPTH = 32   # no request of the API nests deeper than a handful of levels
NUL_MESSAGE = "must not contain NUL characters"

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
    public_prefixes: tuple[str, ...] = (),
) -> Flask:
    """A service's Flask app: identity required on every route but health checks.
    public_prefixes: GET paths the gateway passes on without a user (a feed read through its
    secret URL): they take the gateway's signed public call (shared.identity) instead, and
    g.principal stays None."""
    app = Flask(name)
    app.json.ensure_ascii = False  # Chinese text round-trips unchanged
    app.json.sort_keys = False
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    app.url_map.merge_slashes = False  # "//customers" is a 404, not a redirect page
    app.extensions.update(extensions or {})
    checks = readiness_checks or {}

    @app.before_request
    def _identity() -> Any:
        g.request_id = request.headers.get(REQUEST_ID_HEADER) or str(uuid.uuid4())
        g.principal = None
        refused = refuse_odd_request()
        if refused is not None:
            return refused
        if request.path in PUBLIC_PATHS:
            return None
        token = request.headers.get(IDENTITY_HEADER)
        if not token:
            return error_response(401, "not_authenticated", "requests must come through the gateway")
        if request.method == "GET" and request.path.startswith(public_prefixes):
            try:
                verify_public_call(token, internal_secret)
                return None
            except InvalidIdentity:
                pass  # a user's identity is fine too
        try:
            g.principal = verify_identity(token, internal_secret)
        except InvalidIdentity as exc:
            return error_response(401, "not_authenticated", f"invalid identity: {exc}")
        return None

    @app.after_request
    def _request_id(response):
        response.headers[REQUEST_ID_HEADER] = getattr(g, "request_id", "")
        return response

    install_error_handlers(app, name, f"the {name} service's database")

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok", "service": name})

    @app.get("/readyz")
    def readyz():
        failed = {}
        for check_name, check in checks.items():
            try:
                check()
            except Exception as exc:  # report, do not raise
                failed[check_name] = str(exc)[:200]
        if failed:
            return error_response(503, "not_ready", f"{name} is not ready", {"failed": failed})
        return jsonify({"status": "ready", "service": name, "checks": sorted(checks)})

    for bp in blueprints:
        app.register_blueprint(bp)
    return app


def install_error_handlers(app: Flask, name: str, database: str) -> None:
    """The contract's error body for everything an app can raise (one table, every
    service and the gateway): DomainError -> its status and code; Werkzeug's HTTP errors
    -> HTTP_ERROR_CODES; a value the database refuses -> 422; no connection in time or the
    database gone -> 503 service_unavailable naming `name`; anything else -> 500
    internal_error (logged, no detail leaked)."""

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        return error_response(status, HTTP_ERROR_CODES.get(status, "error"), exc.description or exc.name)

    @app.errorhandler(SQLAlchemyError)
    def _database_error(exc: SQLAlchemyError):
        if isinstance(exc, DBAPIError):
            refused = data_exception_response(exc)  # a value out of range: 422, not 500
            if refused is not None:
                return refused
        if is_unavailable(exc):  # no free connection, or the server refusing or gone: retry later
            log.warning("%s database unavailable: %s", name, exc)
            return error_response(503, "service_unavailable", f"{database} is busy or unavailable",
                                  {"service": name})
        log.exception("database error")
        return error_response(500, "internal_error", "internal error")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal_error", "internal error")


# ---- request helpers for handlers ---------------------------------------------------

def principal() -> Principal:
    p = g.get("principal")
    if p is None:
        raise NotAuthenticated("not authenticated")
    return p


def require_role(roles: Collection[str], action: str, *, who: Principal | None = None) -> Principal:
    """The caller (or `who`) when its role is one of roles; 403 forbidden otherwise,
    naming the action and the roles that may do it."""
    p = who or principal()
    if p.role not in roles:
        raise Forbidden(f"your role may not {action}", details={"allowed_roles": sorted(roles)})
    return p


def path_id(value: str, what: str) -> str:
    """An id from the path, as its canonical lower-case UUID text: 404 `<what> not found`
    when it is not a UUID (no lookup can find it)."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise NotFound(f"{what} not found") from None


def iso(value: Any) -> str | None:
    """A date or time as ISO 8601 text for a response; None stays None."""
    return value.isoformat() if value is not None else None


def event_context() -> EventContext:
    """The context for events caused by this request: the caller and the request id."""
    return EventContext(actor_id=principal().user_id, correlation_id=g.get("request_id"))


def json_body() -> dict[str, Any]:
    """The request's JSON object; 400 when it is not JSON (or nested deeper than
    MAX_JSON_DEPTH), 422 when not an object or when it holds text or numbers no service
    can store (check_json)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if not request.is_json:
        raise BadRequest("request body is not valid JSON", code="malformed_json")
    data = parse_json(raw)
    if data is None:
        raise BadRequest("request body is not valid JSON", code="malformed_json")
    if not isinstance(data, dict):
        raise ValidationFailed("request body must be a JSON object", details={"_schema": ["must be an object"]})
    check_json(data)
    return data


def parse_json(raw: bytes | str) -> Any:
    """json.loads with a depth limit: 400 malformed_json for bad JSON and for nesting
    deeper than MAX_JSON_DEPTH (the parser would otherwise recurse until RecursionError)."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:  # also bad UTF-8 and integers past Python's digit limit
        raise BadRequest("request body is not valid JSON", code="malformed_json") from None
    if _depth_exceeds(data, MAX_JSON_DEPTH):
        raise _too_deep()
    return data


def _too_deep() -> BadRequest:
    return BadRequest(f"request body is nested deeper than {MAX_JSON_DEPTH} levels", code="malformed_json",
                      details={"_schema": [f"at most {MAX_JSON_DEPTH} levels of nesting"]})


def _depth_exceeds(data: Any, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored as text: NUL (PostgreSQL refuses it) or a lone
    surrogate (not encodable as UTF-8); None when it is fine."""
    if "\x00" in value:
        return NUL_MESSAGE
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text (no lone surrogates)"
    return None


def check_json(data: Any) -> None:
    """422 naming every field (nested as marshmallow does: lines.0.name) whose string or
    key holds NUL or a lone surrogate, or whose number is NaN, infinite or past a float."""
    details: dict[str, Any] = {}
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        problem = None
        if isinstance(value, str):
            problem = text_problem(value)
        elif isinstance(value, float) and not math.isfinite(value):
            problem = "must be a finite number"
        elif isinstance(value, dict):
            for key, child in value.items():
                key_problem = text_problem(key)
                if key_problem:
                    _set_detail(details, (*path, _printable(key)), f"field name {key_problem}")
                else:
                    stack.append((child, (*path, key)))
        elif isinstance(value, list):
            stack.extend((child, (*path, str(i))) for i, child in enumerate(value))
        if problem:
            _set_detail(details, path or ("_schema",), problem)
    if details:
        raise ValidationFailed("the request has invalid fields", details=details)


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\0")[:100]


def _set_detail(details: dict[str, Any], path: tuple[str, ...], message: str) -> None:
    node = details
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node.setdefault(path[-1], [])
    if isinstance(node[path[-1]], list):
        node[path[-1]].append(message)


def load_query(schema: Schema) -> dict[str, Any]:
    """Validate the query string with a marshmallow schema (declare it as api_doc's `query`);
    422 with per-field messages on failure."""
    return load(schema, request.args.to_dict())


def load(schema: Schema, data: dict[str, Any] | None = None, *, partial: bool = False) -> dict[str, Any]:
    """Validate with a marshmallow schema; 422 with per-field messages on failure."""
    if data is None:
        data = json_body()
    else:
        check_json(data)
    try:
        return schema.load(data, partial=partial)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed("the request has invalid fields", details=messages) from exc
    except (ArithmeticError, RecursionError) as exc:  # a field that did not guard its own range
        log.warning("schema %s raised %r on client input", type(schema).__name__, exc)
        raise ValidationFailed("the request has a value out of range",
                               details={"_schema": ["a value is out of range"]}) from None


_PAGE_NUMBER = re.compile(r"^\s*[0-9]{1,9}\s*$")


def whole_arg(name: str, default: int, low: int, high: int, details: dict[str, list[str]]) -> int:
    """A whole number low..high from the query string (ASCII digits only: not 1e20, 1.5
    or -1); on a bad value a message goes into details and the default comes back."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if _PAGE_NUMBER.match(raw) and low <= int(raw) <= high:
        return int(raw)
    details[name] = [f"must be a whole number from {low} to {high}"]
    return default


def page_args() -> tuple[int, int]:
    """page (1..MAX_PAGE) and per_page (1..200) from the query string: 422 otherwise,
    also for 1e20, 1.5 or a number longer than nine digits."""
    details: dict[str, list[str]] = {}
    page = whole_arg("page", 1, 1, MAX_PAGE, details)
    per_page = whole_arg("per_page", 50, 1, MAX_PER_PAGE, details)
    if details:
        raise ValidationFailed("invalid paging", details=details)
    return page, per_page


def date_arg(name: str, *, required: bool = False) -> dt.date | None:
    """A date (YYYY-MM-DD) from the query string in the agreed years; 422 otherwise."""
    raw = request.args.get(name)
    if raw in (None, ""):
        if required:
            raise ValidationFailed(f"{name} is required", details={name: ["required"]})
        return None
    try:
        day = dt.date.fromisoformat(raw.strip()) if len(raw) <= 40 else None
    except ValueError:
        day = None
    if day is None or not in_year_range(day):
        raise ValidationFailed(f"invalid {name}", details={
            name: [f"must be a date YYYY-MM-DD in the years {MIN_YEAR} to {MAX_YEAR}"]})
    return day


def count_and_page(conn: Connection, query: sa.Select, page: int, per_page: int) -> tuple[list[Any], int]:
    """(rows of the page, total) of a filtered select that carries its ORDER BY: the total
    counts the whole select (without its order), the page is LIMIT/OFFSET of it."""
    total = conn.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    rows = conn.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, int(total)


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


# ---- hostile requests refused for every endpoint --------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def refuse_odd_request(*, forms: bool = True) -> Any:
    """A JSON error answer for what no endpoint should see (call first in before_request;
    None when the request may go on): a path Werkzeug would answer with an HTML redirect
    page (doubled slashes), control characters in the path (404), NUL in a query
    parameter, form field or upload file name (422). forms=False leaves the body unread
    (the gateway forwards it as it came)."""
    if isinstance(request.routing_exception, RequestRedirect) or "//" in request.path:
        return error_response(404, "not_found", "no such path (paths have single slashes and no trailing slash)")
    if _CONTROL.search(request.path):
        return error_response(404, "not_found", "no such path (control characters in the path)")
    details: dict[str, list[str]] = {}
    for key, value in request.args.items(multi=True):
        problem = text_problem(key) or text_problem(value)
        if problem:
            details.setdefault(_printable(key), []).append(problem)
    if forms and request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            for key, value in request.form.items(multi=True):
                problem = text_problem(key) or text_problem(value)
                if problem:
                    details.setdefault(_printable(key), []).append(problem)
            for key, upload in request.files.items(multi=True):
                problem = text_problem(upload.filename or "")
                if problem:
                    details.setdefault(_printable(key), []).append(f"file name {problem}")
        except HTTPException as exc:
            return error_response(exc.code or 400, HTTP_ERROR_CODES.get(exc.code or 400, "bad_request"),
                                  exc.description or exc.name)
    if details:
        return error_response(422, "validation_failed", "the request has invalid parameters", details)
    return None


def data_exception_response(exc: DBAPIError):
    """A 422 for a value the database refused as data (SQLSTATE class 22: out of range,
    too long, not storable text, bad date); None for anything else (a real failure)."""
    code = getattr(exc.orig, "sqlstate", None) or ""
    # psycopg refuses NUL in text itself (a DataError without a SQLSTATE)
    if not (code.startswith("22") or (not code and type(exc.orig).__name__ == "DataError")):
        return None
    code = code or "22021"
    log.warning("database refused a value from a request (SQLSTATE %s): %s", code, str(exc.orig)[:200])
    return error_response(422, "validation_failed", "a value is out of range or cannot be stored",
                          {"_schema": ["a value is out of range or cannot be stored"], "sqlstate": code})
