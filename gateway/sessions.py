"""Sessions: one row per login in the gateway's database (table `sessions`).

- The refresh token is an opaque random string, stored only as its SHA-256. Using it
  (POST /auth/refresh) rotates it: the row gets the new token's hash and the old hash goes
  to `retired_refresh_tokens`. Presenting a retired token again means the session's tokens
  are in two hands (theft): the whole session is revoked.
- Every access token names its session (`sid`); each authenticated request loads the caller
  and their session in ONE indexed query (`load_caller`), so a revoked session, a
  deactivated user or a changed role count on the very next request on every worker.
- Revoking: logout revokes one session; a password change, an admin reset, a deactivation
  or a role change revokes every session of the user, in the transaction of the change.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from gateway.models import retired_refresh_tokens, sessions, users

log = logging.getLogger("crm.gateway.sessions")
REFRESH_TOKEN_BYTES = 32
MAX_REFRESH_TOKEN_LENGTH = 200
KEEP_REVOKED_S = 7 * 86400  # revoked and expired rows are kept this long, then purged

CALLER_COLUMNS = (users.c.id, users.c.username, users.c.full_name, users.c.role, users.c.manager_id,
                  users.c.active, users.c.region, users.c.must_change_password, users.c.created_at)
# The hot path: primary-key lookup of the session joined to its user by primary key.
_CALLER = (
    sa.select(*CALLER_COLUMNS)
    .select_from(sessions.join(users, users.c.id == sessions.c.user_id))
    .where(sessions.c.id == sa.bindparam("sid"), sessions.c.user_id == sa.bindparam("uid"),
           sessions.c.revoked_at.is_(None), sessions.c.expires_at > sa.func.now(), users.c.active.is_(True))
)


@dataclass(frozen=True)
class IssuedSession:
    session_id: str
    user_id: str
    role: str
    refresh_token: str
    expires_at: datetime


class RefreshRefused(Exception):
    """The refresh token is unknown, expired or revoked; `reused` when it had been rotated
    away already (its session is now revoked)."""

    def __init__(self, reason: str, *, reused: bool = False):
        super().__init__(reason)
        self.reused = reused


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_refresh_token() -> str:
    return secrets.token_urlsafe(REFRESH_TOKEN_BYTES)


def plausible_refresh_token(token: object) -> bool:
    return isinstance(token, str) and 0 < len(token) <= MAX_REFRESH_TOKEN_LENGTH


def load_caller(engine: Engine, session_id: str, user_id: str) -> dict[str, Any] | None:
    """The active user of a live session, or None. One round trip on an autocommit
    connection without pre-ping (see context.build_context); a connection the database
    dropped is retried once on a fresh one."""
    try:
        uuid.UUID(session_id)
    except ValueError:
        return None
    for attempt in (1, 2):
        try:
            with engine.connect() as conn:
                row = conn.execute(_CALLER, {"sid": session_id, "uid": user_id}).mappings().first()
            return dict(row) if row else None
        except DBAPIError as exc:
            if attempt == 2 or not exc.connection_invalidated:
                raise
    return None  # pragma: no cover - the loop returns or raises


def create_session(conn: Connection, user: dict[str, Any], *, refresh_ttl_s: int, max_s: int,
                   user_agent: str | None, address: str | None) -> IssuedSession:
    token = new_refresh_token()
    session_id = str(uuid.uuid4())
    expires_at = conn.execute(
        sessions.insert().values(
            id=session_id, user_id=user["id"], refresh_hash=hash_token(token),
            expires_at=sa.func.now() + sa.func.make_interval(0, 0, 0, 0, 0, 0, min(refresh_ttl_s, max_s)),
            user_agent=(user_agent or "")[:300] or None, address=(address or "")[:64] or None,
        ).returning(sessions.c.expires_at)
    ).scalar_one()
    return IssuedSession(session_id, user["id"], user["role"], token, expires_at)


_ROTATE = sa.text(
    "UPDATE sessions s SET refresh_hash = :new, last_used_at = now(), "
    " expires_at = LEAST(now() + make_interval(secs => :ttl), s.created_at + make_interval(secs => :max)) "
    "FROM users u "
    "WHERE s.refresh_hash = :old AND u.id = s.user_id AND s.revoked_at IS NULL AND s.expires_at > now() "
    " AND u.active "
    "RETURNING s.id, s.user_id, u.role, s.expires_at, u.must_change_password"
)


def rotate(conn: Connection, token: str, *, refresh_ttl_s: int, max_s: int) -> tuple[IssuedSession, bool]:
    """Exchange a live refresh token for a new one (the old one is retired), or raise
    RefreshRefused. Returns the session and whether the user must change their password. Two concurrent uses of one token: the second waits for the first's row
    lock, then finds the token retired, which counts as reuse."""
    old = hash_token(token)
    new_token = new_refresh_token()
    row = conn.execute(_ROTATE, {"new": hash_token(new_token), "old": old, "ttl": refresh_ttl_s,
                                 "max": max_s}).first()
    if row is None:
        raise RefreshRefused("the refresh token is unknown, expired or revoked")
    conn.execute(retired_refresh_tokens.insert().values(refresh_hash=old, session_id=row.id))
    return IssuedSession(row.id, row.user_id, row.role, new_token, row.expires_at), bool(row.must_change_password)


def revoke_if_reused(conn: Connection, token: str) -> str | None:
    """When `token` is a retired refresh token, revoke its session and return the session id."""
    session_id = conn.execute(
        sa.select(retired_refresh_tokens.c.session_id).where(retired_refresh_tokens.c.refresh_hash == hash_token(token))
    ).scalar()
    if session_id is None:
        return None
    user_id = conn.execute(
        sessions.update().where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=sa.func.now(), revoked_reason="refresh_token_reused").returning(sessions.c.user_id)
    ).scalar()
    log.warning("a rotated refresh token was used again: session %s of user %s revoked", session_id, user_id)
    return session_id


def session_of_refresh_token(conn: Connection, token: str) -> str | None:
    """The live session a current refresh token belongs to (for logout by refresh token)."""
    return conn.execute(
        sa.select(sessions.c.id).where(sessions.c.refresh_hash == hash_token(token), sessions.c.revoked_at.is_(None))
    ).scalar()


def revoke_session(conn: Connection, session_id: str, reason: str) -> bool:
    result = conn.execute(sessions.update().where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
                          .values(revoked_at=sa.func.now(), revoked_reason=reason[:40]))
    return result.rowcount > 0


def revoke_user_sessions(conn: Connection, user_id: str, reason: str) -> int:
    """End every live session of a user (in the caller's transaction)."""
    result = conn.execute(sessions.update().where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
                          .values(revoked_at=sa.func.now(), revoked_reason=reason[:40]))
    return result.rowcount


def purge(conn: Connection) -> None:
    """Drop sessions that expired or were revoked more than KEEP_REVOKED_S ago (their
    retired tokens go with them)."""
    conn.execute(sa.text(
        "DELETE FROM sessions WHERE expires_at < now() - make_interval(secs => :k) "
        "OR revoked_at < now() - make_interval(secs => :k)"), {"k": KEEP_REVOKED_S})
