"""Rate limits kept in the gateway's PostgreSQL database, so every gunicorn worker and
every gateway replica sees the same counts.

- Failed logins: one row per failure; a username or a client address with too many
  failures inside the window gets 429 until old failures leave the window.
- Per-user request limit: a fixed-window counter per user. To keep the hot path cheap,
  each worker counts locally and adds its count to the shared row at most every
  FLUSH_EVERY requests or FLUSH_INTERVAL seconds; the limit is checked against the
  shared total plus the local unflushed count (so the overshoot is bounded by
  workers x FLUSH_EVERY).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger("crm.gateway.ratelimit")
MAX_TRACKED_USERS = 50_000

FLUSH_EVERY = 20
FLUSH_INTERVAL = 1.0


@dataclass(frozen=True)
class LoginLimits:
    window_s: int
    max_per_user: int
    max_per_address: int


def login_blocked(conn: Connection, limits: LoginLimits, username: str, address: str) -> int:
    """Seconds until a login for this username/address may be tried again; 0 when allowed."""
    row = conn.execute(
        sa.text(
            "SELECT "
            " (SELECT count(*) FROM login_failures WHERE username = lower(:u) AND failed_at > now() - make_interval(secs => :w)) AS by_user,"
            " (SELECT count(*) FROM login_failures WHERE address = :a AND failed_at > now() - make_interval(secs => :w)) AS by_addr,"
            " (SELECT EXTRACT(EPOCH FROM (min(failed_at) + make_interval(secs => :w) - now())) FROM ("
            "    SELECT failed_at FROM login_failures WHERE (username = lower(:u) OR address = :a)"
            "    AND failed_at > now() - make_interval(secs => :w) ORDER BY failed_at DESC LIMIT :n) recent) AS wait"
        ),
        {"u": username, "a": address, "w": limits.window_s, "n": max(limits.max_per_user, limits.max_per_address)},
    ).one()
    if row.by_user >= limits.max_per_user or row.by_addr >= limits.max_per_address:
        return max(1, int(row.wait or limits.window_s))
    return 0


def record_failure(conn: Connection, limits: LoginLimits, username: str, address: str) -> None:
    conn.execute(sa.text("INSERT INTO login_failures (username, address) VALUES (lower(:u), :a)"),
                 {"u": username[:150], "a": address[:64]})
    conn.execute(sa.text("DELETE FROM login_failures WHERE failed_at < now() - make_interval(secs => :w)"),
                 {"w": limits.window_s * 2})


def clear_failures(conn: Connection, username: str) -> None:
    conn.execute(sa.text("DELETE FROM login_failures WHERE username = lower(:u)"), {"u": username})


_UPSERT = sa.text(
    "INSERT INTO request_counters (user_id, window_start, count) VALUES (:u, :w, :n) "
    "ON CONFLICT (user_id, window_start) DO UPDATE SET count = request_counters.count + :n "
    "RETURNING count"
)


class UserRateLimiter:
    """Per-user requests per window, shared through the database (see module doc)."""

    def __init__(self, engine: Engine, limit: int, window_s: int):
        self.engine = engine
        self.limit = limit
        self.window_s = max(1, window_s)
        self._lock = threading.Lock()
        # user_id -> [window, shared_total_seen, unflushed, last_flush_monotonic]
        self._state: dict[str, list[float]] = {}
        self._last_purge = 0.0

    def hit(self, user_id: str) -> int:
        """Count one request; returns 0 when allowed, else seconds to wait."""
        if self.limit <= 0:
            return 0
        now = time.time()
        window = int(now // self.window_s)
        with self._lock:
            state = self._state.get(user_id)
            if state is None or state[0] != window:
                if len(self._state) >= MAX_TRACKED_USERS:
                    self._state.clear()
                state = [window, 0, 0, 0.0]
                self._state[user_id] = state
            state[2] += 1
            flush = state[2] >= FLUSH_EVERY or time.monotonic() - state[3] >= FLUSH_INTERVAL
            pending = int(state[2]) if flush else 0
            if flush:
                state[2] = 0
                state[3] = time.monotonic()
        if flush:
            try:
                total = self._flush(user_id, window, pending, now)
            except SQLAlchemyError as exc:  # fail open: a limiter must not take the gateway down
                log.warning("rate limit counter not flushed: %s", exc)
                total = 0
            with self._lock:
                if state[0] == window:
                    state[1] = max(state[1], total)
        used = state[1] + state[2]
        if used > self.limit:
            return max(1, int((window + 1) * self.window_s - now))
        return 0

    def _flush(self, user_id: str, window: int, pending: int, now: float) -> int:
        with self.engine.begin() as conn:
            # a counter lost in a crash is harmless: do not wait for the WAL flush
            conn.execute(sa.text("SET LOCAL synchronous_commit = off"))
            total = int(conn.execute(_UPSERT, {"u": user_id, "w": window, "n": pending}).scalar_one())
            if now - self._last_purge > 60:
                self._last_purge = now
                conn.execute(sa.text("DELETE FROM request_counters WHERE window_start < :w"), {"w": window - 1})
        return total
