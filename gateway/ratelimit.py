"""Rate limits kept in the gateway's PostgreSQL database, so every gunicorn worker and
every gateway replica sees the same counts.

- Failed logins: one row per failure (username, address key, time); failures older than
  the window are forgotten. Two limits, neither of which lets strangers lock a user out
  of their right password from their own address:
  * per (username, address) pair: after `max_per_pair` failures the pair backs off,
    `backoff_s` after the last failure, doubling with each further failure (at most the
    window). Guesses from one address never slow the same user down elsewhere.
  * per address: `max_per_address` failures for any usernames within the window (password
    spraying); set high enough for an office behind one NAT.
  An IPv6 address counts by its /64 (one host usually holds a whole /64). A successful
  login clears its own pair's failures only.
- Per-user request limit: a fixed-window counter per user. To keep the hot path cheap,
  each worker counts locally and adds its count to the shared row at most every
  FLUSH_EVERY requests or FLUSH_INTERVAL seconds; the limit is checked against the
  shared total plus the local unflushed count (so the overshoot is bounded by
  workers x FLUSH_EVERY).
"""

from __future__ import annotations

import ipaddress
import logging
import math
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
    max_per_pair: int
    max_per_address: int
    backoff_s: int = 30


def address_key(address: str) -> str:
    """What failures are counted by: the IPv4 address, or the /64 of an IPv6 address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def login_wait(limits: LoginLimits, pair_failures: int, since_pair_failure_s: float | None,
               address_failures: int, oldest_counted_address_failure_s: float | None) -> int:
    """Seconds before this (username, address) may try again; 0 when it may now.

    since_pair_failure_s: age of the pair's newest failure; oldest_counted_address_failure_s:
    age of the oldest of the address's newest `max_per_address` failures.
    """
    wait = 0.0
    if pair_failures >= limits.max_per_pair and since_pair_failure_s is not None:
        doublings = min(pair_failures - limits.max_per_pair, 30)
        backoff = min(limits.backoff_s * 2 ** doublings, limits.window_s)
        wait = max(wait, backoff - since_pair_failure_s)
    if address_failures >= limits.max_per_address and oldest_counted_address_failure_s is not None:
        wait = max(wait, limits.window_s - oldest_counted_address_failure_s)
    return math.ceil(wait) if wait > 0 else 0


_LOGIN_COUNTS = sa.text(
    "SELECT"
    " (SELECT count(*) FROM login_failures WHERE username = lower(:u) AND address = :a"
    "   AND failed_at > now() - make_interval(secs => :w)) AS pair_n,"
    " (SELECT EXTRACT(EPOCH FROM now() - max(failed_at)) FROM login_failures WHERE username = lower(:u)"
    "   AND address = :a AND failed_at > now() - make_interval(secs => :w)) AS pair_age,"
    " (SELECT count(*) FROM (SELECT 1 FROM login_failures WHERE address = :a"
    "   AND failed_at > now() - make_interval(secs => :w) LIMIT :n) capped) AS addr_n,"
    " (SELECT EXTRACT(EPOCH FROM now() - min(failed_at)) FROM (SELECT failed_at FROM login_failures"
    "   WHERE address = :a AND failed_at > now() - make_interval(secs => :w)"
    "   ORDER BY failed_at DESC LIMIT :n) recent) AS addr_age"
)


def login_blocked(conn: Connection, limits: LoginLimits, username: str, address: str) -> int:
    """Seconds until a login for this username from this address may be tried; 0 when allowed."""
    row = conn.execute(_LOGIN_COUNTS, {"u": username[:150], "a": address_key(address), "w": limits.window_s,
                                       "n": max(1, limits.max_per_address)}).one()
    return login_wait(limits, int(row.pair_n), None if row.pair_age is None else float(row.pair_age),
                      int(row.addr_n), None if row.addr_age is None else float(row.addr_age))


def record_failure(conn: Connection, limits: LoginLimits, username: str, address: str) -> None:
    conn.execute(sa.text("INSERT INTO login_failures (username, address) VALUES (lower(:u), :a)"),
                 {"u": username[:150], "a": address_key(address)})
    conn.execute(sa.text("DELETE FROM login_failures WHERE failed_at < now() - make_interval(secs => :w)"),
                 {"w": limits.window_s * 2})


def clear_failures(conn: Connection, username: str, address: str) -> None:
    """A successful login forgets its own pair's failures (not those from elsewhere)."""
    conn.execute(sa.text("DELETE FROM login_failures WHERE username = lower(:u) AND address = :a"),
                 {"u": username[:150], "a": address_key(address)})


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
