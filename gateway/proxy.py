"""Forwarding /api/v1/<segment>/... to the owning service over pooled HTTP connections."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import urllib3
from flask import Response, request
from urllib3.exceptions import HTTPError, MaxRetryError, ReadTimeoutError

from gateway.config import IMPORT_FALLBACK, JOB_FALLBACK, ROUTE_OVERRIDES, ROUTES, GatewayConfig
from shared.identity import IDENTITY_HEADER, REQUEST_ID_HEADER
from shared.web import error_response

log = logging.getLogger("crm.gateway.proxy")

# Request headers passed on to the services (everything else is dropped, notably
# Authorization, Cookie and any X-CRM-Identity the client tried to send).
FORWARD_REQUEST_HEADERS = ("Content-Type", "Accept", "Accept-Language", "If-None-Match",
                           "If-Match", "If-Modified-Since", "Idempotency-Key", "User-Agent")
# Response headers passed back to the client.
FORWARD_RESPONSE_HEADERS = ("Content-Type", "Content-Disposition", "Location", "ETag", "Cache-Control",
                            "Last-Modified", "Retry-After", "Content-Language")
BUFFER_LIMIT = 1024 * 1024  # responses up to this size are buffered, larger ones streamed
CHUNK = 64 * 1024


def route_for(path: str) -> tuple[str, str] | None:
    """'/customers/1?x' style path under /api/v1 -> (service, path) or None: by the first
    segment (ROUTES), or by the first two (ROUTE_OVERRIDES)."""
    parts = path.strip("/").split("/")
    service = ROUTE_OVERRIDES.get((parts[0], parts[1])) if len(parts) == 2 else None
    service = service or ROUTES.get(parts[0])
    return (service, "/" + path.lstrip("/")) if service else None


# /imports/<id>, /imports/<id>/error_file, /imports/<id>/undo (not the collections' own calls)
_IMPORT_JOB = re.compile(r"^/?imports/([^/]+)(/error_file|/undo)?/?$")
_IMPORT_CALLS = frozenset({"customers", "leads", "products", "opening-balances", "preview"})


# GET /jobs/<id> (a job's own view; not /jobs/<id>/undo, which is for bulk changes only)
_JOB = re.compile(r"^/?jobs/([^/]+)/?$")


def import_fallbacks(path: str, method: str = "GET") -> list[tuple[str, str]]:
    """For an import job's path: the (service, its path there) to ask in turn when the first
    service answers 404 (IMPORT_FALLBACK; GET /jobs/{id}: JOB_FALLBACK); empty otherwise."""
    match = _IMPORT_JOB.match(path)
    if match is not None and match.group(1) not in _IMPORT_CALLS:
        return [(service, prefix + match.group(1) + (match.group(2) or "")) for service, prefix in IMPORT_FALLBACK[1]]
    match = _JOB.match(path)
    if match is not None and method == "GET":
        return [(service, template.format(id=match.group(1))) for service, template in JOB_FALLBACK[1]]
    return []


def import_fallback(path: str, method: str = "GET") -> tuple[str, str] | None:
    """The first of import_fallbacks, or None."""
    found = import_fallbacks(path, method)
    return found[0] if found else None


class _StaleConnectionRetry(urllib3.Retry):
    """Retries a request whose pooled connection turned out closed, never a slow answer."""

    def increment(self, method=None, url=None, response=None, error=None, _pool=None,  # type: ignore[override]
                  _stacktrace=None):
        if isinstance(error, ReadTimeoutError):
            raise error
        return super().increment(method, url, response, error, _pool, _stacktrace)


class Upstreams:
    """One urllib3 connection pool per service per worker (thread-safe, keep-alive), with
    connect/read timeouts. (urllib3 directly rather than requests.Session: the same pooling,
    about half the CPU per forwarded call, which is most of the gateway's overhead.)"""

    def __init__(self, config: GatewayConfig):
        self.config = config
        self._pools: dict[str, urllib3.HTTPConnectionPool] = {}
        self._lock = threading.Lock()
        self.timeout = urllib3.Timeout(connect=config.connect_timeout, read=config.read_timeout)
        # One retry, only for a pooled keep-alive connection found closed (or a refused
        # connect) on idempotent methods; never a second POST.
        self.retries = _StaleConnectionRetry(total=1, connect=1, read=1, redirect=False, status=None, other=0,
                                             raise_on_redirect=False)

    def pool(self, service: str) -> urllib3.HTTPConnectionPool:
        pool = self._pools.get(service)
        if pool is None:
            with self._lock:
                pool = self._pools.get(service)
                if pool is None:
                    pool = urllib3.connection_from_url(self.config.upstreams[service],
                                                       maxsize=self.config.pool_size, block=False)
                    self._pools[service] = pool
        return pool

    def base_path(self, service: str) -> str:
        return urlsplit(self.config.upstreams[service]).path.rstrip("/")

    def get(self, service: str, path: str, *, timeout: float) -> tuple[int, bytes]:
        """A small GET (health, documents): (status, body). Raises UpstreamError."""
        try:
            response = self.pool(service).urlopen(
                "GET", self.base_path(service) + path, timeout=urllib3.Timeout(
                    connect=min(self.config.connect_timeout, timeout), read=timeout),
                retries=False, redirect=False, preload_content=True)
        except HTTPError as exc:
            raise UpstreamError(type(_reason(exc)).__name__) from exc
        return response.status, response.data


class UpstreamError(Exception):
    pass


def _reason(exc: BaseException) -> BaseException:
    return exc.reason if isinstance(exc, MaxRetryError) and exc.reason is not None else exc


def _stream(upstream: urllib3.BaseHTTPResponse) -> Iterator[bytes]:
    try:
        yield from upstream.stream(CHUNK)
    finally:
        upstream.release_conn()


def forward(upstreams: Upstreams, service: str, path: str, identity: str, request_id: str,
            *, buffer: bool = False, query: str | None = None) -> Response:
    """Send the current request to service at path (with `query` instead of the request's
    query string when given); answer what it answered."""
    headers = {name: request.headers[name] for name in FORWARD_REQUEST_HEADERS if name in request.headers}
    headers[IDENTITY_HEADER] = identity
    headers[REQUEST_ID_HEADER] = request_id
    body = request.get_data(cache=True)
    url = upstreams.base_path(service) + path
    if query is None:
        query = request.query_string.decode("latin-1")
    if query:
        url = f"{url}?{query}"
    try:
        upstream = upstreams.pool(service).urlopen(
            request.method, url, body=body or None, headers=headers, retries=upstreams.retries,
            redirect=False, timeout=upstreams.timeout, preload_content=False,
        )
    except HTTPError as exc:
        reason = _reason(exc)
        if isinstance(reason, ReadTimeoutError):
            log.warning("upstream %s timed out on %s %s", service, request.method, path)
            return error_response(504, "upstream_timeout", f"the {service} service did not answer in time",
                                  {"service": service})
        log.warning("upstream %s unavailable: %s", service, reason)
        return _unavailable(service, type(reason).__name__)
    return _relay_response(upstream, service, buffer=buffer)


def _unavailable(service: str, reason: str) -> Response:
    return error_response(503, "service_unavailable", f"the {service} service is unavailable",
                          {"service": service, "reason": reason})


def _relay_response(upstream: urllib3.BaseHTTPResponse, service: str, *, buffer: bool) -> Response:
    content_type = upstream.headers.get("Content-Type", "")
    if upstream.status >= 500 and "json" not in content_type:
        upstream.drain_conn()
        upstream.release_conn()
        return error_response(502, "bad_gateway", f"the {service} service failed",
                              {"service": service, "status": upstream.status})
    headers: dict[str, Any] = {name: upstream.headers[name] for name in FORWARD_RESPONSE_HEADERS
                               if name in upstream.headers}
    length = upstream.headers.get("Content-Length")
    small = length is not None and length.isdigit() and int(length) <= BUFFER_LIMIT
    if buffer or small:
        try:
            content = upstream.read()
        except HTTPError:
            upstream.release_conn()
            return _unavailable(service, "connection lost while reading the answer")
        upstream.release_conn()
        return Response(content, status=upstream.status, headers=headers)
    return Response(_stream(upstream), status=upstream.status, headers=headers, direct_passthrough=True)
