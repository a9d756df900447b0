"""Idempotency in each service, behind the gateway's (gateway/idempotency.py).

The gateway answers a repeated Idempotency-Key from its own store, but only once it has
stored the answer: when the gateway dies after the service wrote and before the answer
was stored, the client's retry reaches the service again. So each service keeps the
answer to every write sent with a key too (table write_keys, per user and key), stored as
soon as its view has answered, and answers a repeat from it: the retry gets the first
answer (the same record), never a second record.

The answer is stored after the view's own transaction: a service process killed between
the two (a window of one statement) would still apply the repeat. Answers of 5xx are not
kept (the client may retry); keys are forgotten after the gateway's TTL.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, Response, g, request
from sqlalchemy.engine import Engine

log = logging.getLogger("crm.write_keys")

HEADER = "Idempotency-Key"
METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEY_LENGTH = 200
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Location", "ETag")
REPLAYED_HEADER = "Idempotent-Replayed"

_FIND = sa.text("SELECT request_hash, status, headers, body FROM write_keys WHERE user_id = :u AND key = :k "
                "AND created_at > now() - make_interval(secs => :ttl)")
_STORE = sa.text(
    "INSERT INTO write_keys (user_id, key, request_hash, status, headers, body) "
    "VALUES (:u, :k, :h, :s, CAST(:hd AS jsonb), :b) "
    "ON CONFLICT (user_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status = EXCLUDED.status, "
    "headers = EXCLUDED.headers, body = EXCLUDED.body, created_at = now() "
    "WHERE write_keys.created_at <= now() - make_interval(secs => :ttl)")
_PURGE = sa.text("DELETE FROM write_keys WHERE ctid IN (SELECT ctid FROM write_keys "
                 "WHERE created_at < now() - make_interval(secs => :ttl) LIMIT 1000)")


@dataclass(frozen=True)
class Stored:
    request_hash: str
    status: int
    headers: dict[str, str]
    body: bytes


def request_hash(method: str, path: str, query: bytes, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def find(engine: Engine, user_id: str, key: str, ttl_s: int) -> Stored | None:
    with engine.connect() as conn:
        row = conn.execute(_FIND, {"u": user_id, "k": key, "ttl": ttl_s}).first()
    if row is None:
        return None
    headers = row.headers if isinstance(row.headers, dict) else json.loads(row.headers or "{}")
    return Stored(row.request_hash, int(row.status), headers, bytes(row.body))


def store(engine: Engine, user_id: str, key: str, stored: Stored, ttl_s: int) -> None:
    with engine.begin() as conn:
        conn.execute(_STORE, {"u": user_id, "k": key, "h": stored.request_hash, "s": stored.status,
                              "hd": json.dumps(stored.headers), "b": stored.body, "ttl": ttl_s})
        if hash(key) % 100 == 0:  # now and then: forget expired keys
            conn.execute(_PURGE, {"ttl": ttl_s})


def install(app: Flask, engine_of, ttl_s: int = 86400) -> None:
    """Answer a write repeated with the same Idempotency-Key (by the same user) from the
    stored answer. engine_of: () -> the service's engine. Runs after the identity check
    (the caller is g.principal)."""

    def key_of() -> tuple[str, str] | None:
        key = (request.headers.get(HEADER) or "").strip()
        principal = g.get("principal")
        if (request.method not in METHODS or not key or len(key) > MAX_KEY_LENGTH or principal is None
                or not key.isprintable()):
            return None
        return principal.user_id, key

    @app.before_request
    def _replay() -> Response | None:
        found = key_of()
        if found is None:
            return None
        h = request_hash(request.method, request.path, request.query_string, request.get_data(cache=True))
        g.write_key = (*found, h)
        try:
            stored = find(engine_of(), found[0], found[1], ttl_s)
        except Exception:  # noqa: BLE001 - the view answers (503 when the database is gone)
            log.warning("write key lookup failed", exc_info=True)
            return None
        if stored is None or stored.request_hash != h:  # another request under the key: the gateway's 422
            return None
        response = Response(stored.body, status=stored.status, headers=stored.headers)
        response.headers[REPLAYED_HEADER] = "true"
        g.write_key = None
        return response

    @app.after_request
    def _keep(response: Response) -> Response:
        claim = g.pop("write_key", None)
        if not claim or response.status_code >= 500 or response.is_streamed:
            return response
        user_id, key, h = claim
        headers = {n: response.headers[n] for n in KEPT_HEADERS if n in response.headers}
        try:
            store(engine_of(), user_id, key, Stored(h, response.status_code, headers, response.get_data()), ttl_s)
        except Exception:  # noqa: BLE001 - the write is done; only a repeat would not be recognised
            log.warning("could not keep the answer to a keyed write", exc_info=True)
        return response
