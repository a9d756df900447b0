"""A per-worker cache of the users that call, so the hot path (every request) does not
ask the database who the caller is.

Safety: every change to a user sends `NOTIFY gateway_users, '<id>'` in its transaction;
each worker LISTENs on a connection of its own (a daemon thread started on first use)
and drops the entry when told. The cache is used only while that listener is
connected; when it is not, every request reads the database. A load that raced with an
invalidation is not stored (generation counter). Entries also expire after ttl seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

log = logging.getLogger("crm.gateway.user_cache")
CHANNEL = "gateway_users"
MAX_ENTRIES = 10_000


def notify_user_changed(conn: Connection, user_id: str) -> None:
    """Tell every gateway worker that this user changed (delivered at commit)."""
    conn.execute(sa.text("SELECT pg_notify(:c, :i)"), {"c": CHANNEL, "i": str(user_id)})


class UserCache:
    def __init__(self, database_url: str, ttl_s: float):
        self.dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.ttl_s = ttl_s
        self._entries: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._generation = 0
        self._listening = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0

    def get(self, user_id: str, load: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
        if not self.enabled:
            return load()
        self._ensure_listener()
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(user_id)
            generation = self._generation
        if entry is not None and entry[0] > now and self._listening.is_set():
            return entry[1]
        user = load()
        if user is not None and self._listening.is_set():
            with self._lock:
                if self._generation == generation:
                    if len(self._entries) >= MAX_ENTRIES:
                        self._entries.clear()
                    self._entries[user_id] = (now + self.ttl_s, user)
        return user

    def invalidate(self, user_id: str | None = None) -> None:
        with self._lock:
            self._generation += 1
            if user_id is None:
                self._entries.clear()
            else:
                self._entries.pop(user_id, None)

    def stop(self) -> None:
        self._stop.set()

    def _ensure_listener(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._listen_forever, name="gw-user-cache", daemon=True)
            self._thread.start()

    def _listen_forever(self) -> None:
        delay = 0.5
        failures = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.invalidate()  # anything cached before we listened may be stale
                    self._listening.set()
                    delay, failures = 0.5, 0
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=5.0):
                            self.invalidate(note.payload or None)
                        conn.execute("SELECT 1")  # notices a dead connection
            except Exception as exc:  # noqa: BLE001 - reconnect with back-off
                failures += 1
                log.log(logging.WARNING if failures == 1 else logging.DEBUG, "user cache listener: %s", exc)
            finally:
                self._listening.clear()
                self.invalidate()
            self._stop.wait(delay)
            delay = min(delay * 2, 10)
