"""Forwarding /api/v1/<segment>/... to the owning service over pooled HTTP connections."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import requests
from flask import Response, request
from requests.adapters import HTTPAdapter

from gateway.config import ROUTES, GatewayConfig
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
    """'/customers/1?x' style path under /api/v1 -> (service, path) or None."""
    segment = path.lstrip("/").split("/", 1)[0]
    service = ROUTES.get(segment)
    return (service, "/" + path.lstrip("/")) if service else None


class Upstreams:
    """One pooled requests.Session per worker thread, with connect/read timeouts."""

    def __init__(self, config: GatewayConfig):
        self.config = config
        self._local = threading.local()

    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # never route loopback calls through an environment proxy
            adapter = HTTPAdapter(pool_connections=len(self.config.upstreams) + 1,
                                  pool_maxsize=self.config.pool_size, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._local.session = session
        return session

    def base_url(self, service: str) -> str:
        return self.config.upstreams[service]

    def get(self, service: str, path: str, *, timeout: float, headers: dict[str, str] | None = None
            ) -> requests.Response:
        return self.session().get(self.base_url(service) + path, headers=headers or {},
                                  timeout=(min(self.config.connect_timeout, timeout), timeout))


def _stream(upstream: requests.Response) -> Iterator[bytes]:
    try:
        yield from upstream.iter_content(CHUNK)
    finally:
        upstream.close()


def forward(upstreams: Upstreams, service: str, path: str, identity: str, request_id: str,
            *, buffer: bool = False) -> Response:
    """Send the current request to service at path; answer what it answered."""
    headers = {name: request.headers[name] for name in FORWARD_REQUEST_HEADERS if name in request.headers}
    headers[IDENTITY_HEADER] = identity
    headers[REQUEST_ID_HEADER] = request_id
    body = request.get_data(cache=True)
    url = upstreams.base_url(service) + path
    query = request.query_string.decode("latin-1")
    if query:
        url = f"{url}?{query}"
    config = upstreams.config
    try:
        upstream = upstreams.session().request(
            request.method, url, data=body if body else None, headers=headers, stream=True,
            allow_redirects=False, timeout=(config.connect_timeout, config.read_timeout),
        )
    except requests.Timeout as exc:
        if isinstance(exc, requests.ConnectTimeout):
            return _unavailable(service, "connect timeout")
        log.warning("upstream %s timed out on %s %s", service, request.method, path)
        return error_response(504, "upstream_timeout", f"the {service} service did not answer in time",
                              {"service": service})
    except requests.RequestException as exc:
        log.warning("upstream %s unavailable: %s", service, exc)
        return _unavailable(service, type(exc).__name__)
    return _relay_response(upstream, service, buffer=buffer)


def _unavailable(service: str, reason: str) -> Response:
    return error_response(503, "service_unavailable", f"the {service} service is unavailable",
                          {"service": service, "reason": reason})


def _relay_response(upstream: requests.Response, service: str, *, buffer: bool) -> Response:
    content_type = upstream.headers.get("Content-Type", "")
    if upstream.status_code >= 500 and "json" not in content_type:
        upstream.close()
        return error_response(502, "bad_gateway", f"the {service} service failed",
                              {"service": service, "status": upstream.status_code})
    headers: dict[str, Any] = {name: upstream.headers[name] for name in FORWARD_RESPONSE_HEADERS
                               if name in upstream.headers}
    length = upstream.headers.get("Content-Length")
    small = length is not None and length.isdigit() and int(length) <= BUFFER_LIMIT
    if buffer or small:
        try:
            content = upstream.content
        except requests.RequestException:
            return _unavailable(service, "connection lost while reading the answer")
        finally:
            upstream.close()
        return Response(content, status=upstream.status_code, headers=headers)
    return Response(_stream(upstream), status=upstream.status_code, headers=headers, direct_passthrough=True)
