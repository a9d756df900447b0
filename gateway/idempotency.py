"""Idempotency keys on writes, stored in the gateway's database per (user, key).

The first request with a key claims it (state in_flight) and its response (status < 500)
is stored; a repeat with the same method, path and body within the TTL gets the stored
response without reaching the service; the same key with another request is 422; a
repeat while the first is still in flight is 409. A claim whose request died may be taken
over: at once when the gateway worker that holds it is gone (its liveness lock released,
gateway/liveness.py), else once older than STALE_IN_FLIGHT_S. The service behind keeps the
answer to a keyed write as well (shared.write_keys), so a request taken over after the
service had written is answered with the first answer, not written twice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.liveness import OWNER_GONE_SQL
from shared.errors import Conflict, ValidationFailed

HEADER = "Idempotency-Key"
METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEY_LENGTH = 200
STALE_IN_FLIGHT_S = 120
STORED_HEADERS = ("Content-Type", "Content-Disposition", "Location", "ETag")


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def request_hash(method: str, path: str, query: bytes, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed("invalid Idempotency-Key", details={HEADER: [f"1 to {MAX_KEY_LENGTH} printable characters"]})
    return key


def claim(conn: Connection, user_id: str, key: str, req_hash: str, ttl_s: int,
          owner: int | None = None) -> StoredResponse | None:
    """Claim the key for this request (None) or return the stored response to replay.
    owner: the claiming worker's liveness id (gateway/liveness.py)."""
    inserted = conn.execute(
        sa.text(
            "INSERT INTO idempotency_keys (user_id, key, request_hash, state, owner) "
            "VALUES (:u, :k, :h, 'in_flight', :o) "
            "ON CONFLICT (user_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, state = 'in_flight', "
            "  status = NULL, headers = NULL, body = NULL, created_at = now(), owner = EXCLUDED.owner "
            "WHERE idempotency_keys.created_at < now() - make_interval(secs => :ttl) "
            "   OR (idempotency_keys.state = 'in_flight' AND idempotency_keys.request_hash = EXCLUDED.request_hash "
            "       AND (idempotency_keys.created_at < now() - make_interval(secs => :stale) "
            f"           OR ({OWNER_GONE_SQL}))) "
            "RETURNING 1"
        ),
        {"u": user_id, "k": key, "h": req_hash, "ttl": ttl_s, "stale": STALE_IN_FLIGHT_S, "o": owner},
    ).first()
    if inserted:
        return None
    row = conn.execute(
        sa.text("SELECT request_hash, state, status, headers, body FROM idempotency_keys WHERE user_id = :u AND key = :k"),
        {"u": user_id, "k": key},
    ).one()
    if row.request_hash != req_hash:
        raise ValidationFailed("this Idempotency-Key was already used for another request",
                               code="idempotency_key_reused", details={HEADER: ["used for a different request"]})
    if row.state != "done":
        raise Conflict("a request with this Idempotency-Key is still in progress", code="idempotency_in_progress")
    headers = row.headers if isinstance(row.headers, dict) else json.loads(row.headers or "{}")
    return StoredResponse(int(row.status), headers, bytes(row.body or b""))


def store(conn: Connection, user_id: str, key: str, response: StoredResponse) -> None:
    conn.execute(
        sa.text("UPDATE idempotency_keys SET state = 'done', status = :s, headers = CAST(:h AS jsonb), body = :b "
                "WHERE user_id = :u AND key = :k AND state = 'in_flight'"),
        {"u": user_id, "k": key, "s": response.status, "h": json.dumps(response.headers), "b": response.body},
    )


def release(conn: Connection, user_id: str, key: str) -> None:
    """Forget a claim whose request failed (5xx or an error), so the client may retry."""
    conn.execute(sa.text("DELETE FROM idempotency_keys WHERE user_id = :u AND key = :k AND state = 'in_flight'"),
                 {"u": user_id, "k": key})


def purge_expired(conn: Connection, ttl_s: int) -> int:
    result = conn.execute(sa.text("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => :t)"),
                          {"t": ttl_s + STALE_IN_FLIGHT_S})
    return result.rowcount or 0
