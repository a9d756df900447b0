"""Which gateway worker holds an in-flight Idempotency-Key claim, and is it still alive.

Each gateway worker process holds a PostgreSQL advisory lock (namespace NAMESPACE, its own
random id) on a session of its own while it lives; it writes that id as the owner of every
key it claims. PostgreSQL drops the lock the moment the worker's session ends, so when a
worker dies mid-request (kill -9, a crashed container) the client's retry finds the
claim's owner gone and takes it over at once, instead of waiting for the claim to grow
stale (gateway/idempotency.py). The session is opened at the first keyed write (a direct
session: behind PgBouncer the lock needs a server session of its own)."""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time

import psycopg
from sqlalchemy.engine import make_url

log = logging.getLogger("crm.gateway.liveness")

NAMESPACE = 20020  # the advisory locks' first key (pg_locks.classid)
CHECK_EVERY_S = 5.0  # how often the held session is checked before it is trusted


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Liveness:
    def __init__(self, database_url: str):
        self.dsn = _libpq(database_url)
        self.instance = secrets.randbelow(2**31 - 2) + 1
        self._conn: psycopg.Connection | None = None
        self._pid = os.getpid()
        self._checked = 0.0
        self._ever = False  # a session was opened before
        self._lock = threading.Lock()

    def owner(self) -> int | None:
        """This worker's id, its lock held; None when the database cannot be reached (the
        claim then has no owner and is taken over only once stale)."""
        with self._lock:
            if self._pid != os.getpid():  # a forked copy: the lock is the parent's
                self._conn, self._pid, self._ever = None, os.getpid(), True
            now = time.monotonic()
            if self._conn is not None and now - self._checked > CHECK_EVERY_S:
                try:
                    self._conn.execute("SELECT 1")
                    self._checked = now
                except Exception:  # noqa: BLE001 - the session is gone (and the lock with it)
                    self.close_locked()
            if self._conn is None:
                # a new id for a new session: the claims under the old id lost their lock
                # with the old session (the database went away), so a retry may take them
                # over at once (the service answers a repeat from shared.write_keys)
                if self._ever:
                    self.instance = secrets.randbelow(2**31 - 2) + 1
                self._ever = True
                try:
                    conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=3,
                                           application_name="crm-gateway-liveness")
                    conn.execute("SELECT pg_advisory_lock(%s, %s)", (NAMESPACE, self.instance))
                except Exception:  # noqa: BLE001
                    log.warning("liveness lock unavailable", exc_info=True)
                    return None
                self._conn, self._checked = conn, now
            return self.instance

    def close_locked(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001
                pass
        self._conn = None

    def close(self) -> None:
        with self._lock:
            self.close_locked()


# True when the claim's owner no longer holds its lock (its worker is gone)
OWNER_GONE_SQL = (
    "idempotency_keys.owner IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' "
    f"AND l.classid = {NAMESPACE} AND l.objid::bigint = idempotency_keys.owner AND l.objsubid = 2 AND l.granted "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))"
)
