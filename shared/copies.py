"""Read-your-writes across services: wait, bounded, for a local copy to arrive.

A service checks ids that another service owns (a customer, a product, a user, an
order) against its local copy, which events fill a few milliseconds after the owner's
write. A client that creates a customer and at once a quote for it must not be told
"unknown customer" because the copy is on its way. So:

- where a check finds no copy row, it raises `CopyMissing(error, (table, id), ...)`: the
  error it would have answered (422 or 404), plus the copy rows whose absence caused it;
- every view of a service runs under `waits_for_copies` (installed on every route by
  `shared.service.ServiceRoot.create_app`): on `CopyMissing` the view's transaction has
  already been rolled back (the exception left the `with engine.begin()` block) and its
  connection went back to the pool; the request then waits OUTSIDE any transaction for the
  rows (`await_copy`), and runs the view again, which re-checks everything inside a new
  transaction. When a row does not arrive within the bound (`CRM_COPY_WAIT_S`, default 3 s,
  counted from the first miss of the request), the original error is answered.
- the wait is woken by the copy's arrival: the consumer's projection writes send
  `pg_notify('crm_copies', '<table>:<id>')` in the handler's transaction (`notify_copy`, or
  inside the projection's own statement), which PostgreSQL delivers at commit. One listener
  thread per process and database (one connection in LISTEN, not one per request)
  multiplexes every waiter; it runs only while requests wait (and 30 s after), so a process
  at rest holds no connection for it. The waiter also re-checks every `POLL_S` seconds, so a
  notification missed while the listener reconnects (or a database where LISTEN is not
  available, such as behind a transaction-pooling PgBouncer) costs at most that much
  latency, never a wrong answer.

A check raises CopyMissing only when the row is ABSENT; a row that is there but refuses
(deleted customer, inactive product or user, a customer the caller may not see) answers at
once. An id that never exists answers its 422/404 after the bound. Outside a wrapped view
(a CLI, a test calling the function) CopyMissing renders as the error it carries.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

from shared.errors import DomainError

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger("crm.copies")

CHANNEL = "crm_copies"
APPLICATION_NAME = "crm-copy-listener"  # how the LISTEN connection shows in pg_stat_activity
DEFAULT_WAIT_S = 3.0
POLL_S = 0.5  # re-check this often even without a notification
FALLBACK_POLL_S = 0.05  # while the listener is not connected
MAX_RERUNS = 10  # a view that keeps missing copies gives up (besides the time bound)

# The copy tables a request may wait for, with their key column. Names are checked
# against this list (never put into SQL from elsewhere).
COPY_TABLES: dict[str, str] = {
    "acl_customers": "customer_id",
    "acl_users": "id",
    "products": "id",  # sales' copy of inventory's products
    "orders": "id",  # billing's copy of sales' orders
    "projects": "id",  # billing's copy of sales' customer projects
    "related_records": "record_id",  # the customer service's copy of sales records' customers
    "competitors": "id",  # sales' copy of the customer service's competitors (issue 16)
    "campaigns": "id",  # sales' copy of the customer service's campaigns (issue 16)
}


def copy_wait_s() -> float:
    """The bound on a request's wait for copies (CRM_COPY_WAIT_S, seconds; 0 disables)."""
    raw = os.environ.get("CRM_COPY_WAIT_S")
    try:
        return max(0.0, float(raw)) if raw not in (None, "") else DEFAULT_WAIT_S
    except ValueError:
        return DEFAULT_WAIT_S


class CopyMissing(DomainError):
    """No local copy of an id another service owns (yet). Carries the error to answer if it
    does not arrive in time, and renders as that error (same status, code, details)."""

    def __init__(self, error: DomainError, *rows: tuple[str, str]):
        super().__init__(error.message, code=error.code, details=error.details)
        self.status = error.status
        self.error = error
        for table, _key in rows:
            if table not in COPY_TABLES:
                raise ValueError(f"{table} is not a copy table")
        self.rows = [(table, str(key)) for table, key in rows]


def notify_copy(conn: Connection, table: str, key: str) -> None:
    """Tell waiting requests that a copy row was written (delivered when conn commits)."""
    conn.execute(sa.text("SELECT pg_notify(:ch, :p)"), {"ch": CHANNEL, "p": f"{table}:{key}"})


def notify_sql(table: str, key_param: str) -> str:
    """The same as SQL text, to put inside a projection's own statement (no round trip)."""
    if table not in COPY_TABLES:
        raise ValueError(f"{table} is not a copy table")
    return f"pg_notify('{CHANNEL}', '{table}:' || CAST(:{key_param} AS text))"


def copy_exists(conn: Connection, table: str, key: str) -> bool:
    column = COPY_TABLES[table]
    return conn.execute(sa.text(f"SELECT 1 FROM {table} WHERE {column} = :k"), {"k": key}).first() is not None


# ---- one listener per process and database ------------------------------------------

class CopyListener:
    """A daemon thread LISTENing on CHANNEL on one connection of its own, waking the
    requests that wait for the notified rows. It runs only while requests wait (and
    IDLE_S after the last one), so a process at rest holds no connection for it."""

    IDLE_S = 30.0

    def __init__(self, dsn: str):
        self.dsn = dsn
        self._waiters: dict[str, set[threading.Event]] = {}
        self._lock = threading.Lock()
        self.listening = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.notifications = 0

    def register(self, key: str) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._waiters.setdefault(key, set()).add(event)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="crm-copy-listener", daemon=True)
                self._thread.start()
        return event

    def unregister(self, key: str, event: threading.Event) -> None:
        with self._lock:
            waiting = self._waiters.get(key)
            if waiting is not None:
                waiting.discard(event)
                if not waiting:
                    del self._waiters[key]

    def waiting(self) -> int:
        with self._lock:
            return sum(len(w) for w in self._waiters.values())

    def _wake(self, key: str | None) -> None:
        with self._lock:
            events = [e for w in self._waiters.values() for e in w] if key is None else list(
                self._waiters.get(key, ()))
        for event in events:
            event.set()

    def _done(self) -> bool:
        """Stop (under the lock, so a request registering now starts a new thread) when
        stopped or nobody waits."""
        with self._lock:
            if self._stop.is_set() or not self._waiters:
                self._thread = None
                return True
            return False

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        delay = 0.2
        failures = 0
        while True:
            try:
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5,
                                     application_name=APPLICATION_NAME) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    self._wake(None)  # whatever arrived before we listened: look again
                    delay, failures = 0.2, 0
                    idle_since = None
                    while True:
                        for note in conn.notifies(timeout=1.0):
                            self.notifications += 1
                            self._wake(note.payload)
                        if self.waiting():
                            idle_since = None
                        else:
                            idle_since = idle_since or time.monotonic()
                            if time.monotonic() - idle_since >= self.IDLE_S and self._done():
                                return
                        if self._stop.is_set() and self._done():
                            return
                        conn.execute("SELECT 1")  # notices a dead connection
            except Exception as exc:  # reconnect with back-off; waiters poll meanwhile
                failures += 1
                log.log(logging.WARNING if failures == 1 else logging.DEBUG, "copy listener: %s", exc)
            finally:
                self.listening.clear()
            if self._done():
                return
            self._stop.wait(delay)
            delay = min(delay * 2, 5.0)


_listeners: dict[str, CopyListener] = {}
_listeners_lock = threading.Lock()


def listener_for(engine: Engine, listen_url: str | None = None) -> CopyListener:
    """The process's listener for the engine's database (started on first use, so after a
    gunicorn fork, in the worker); `listen_url` names a direct connection to the same
    database when the engine goes through PgBouncer (LISTEN needs a session of its own)."""
    url = make_url(listen_url) if listen_url else engine.url
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with _listeners_lock:
        listener = _listeners.get(dsn)
        if listener is None:
            listener = _listeners[dsn] = CopyListener(dsn)
        return listener


def await_copy(engine: Engine, table: str, key: str, timeout: float, listen_url: str | None = None) -> bool:
    """Wait until the copy row (table, key) exists, at most timeout seconds; True when it
    does. Holds no connection while waiting: each look borrows one from the pool for one
    SELECT, outside any transaction of the caller."""
    if table not in COPY_TABLES:
        raise ValueError(f"{table} is not a copy table")
    key = str(key)
    listener = listener_for(engine, listen_url)
    note = f"{table}:{key}"
    event = listener.register(note)  # before the first look: a notification in between is kept
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as conn:
                if copy_exists(conn, table, key):
                    return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            event.wait(min(remaining, POLL_S if listener.listening.is_set() else FALLBACK_POLL_S))
            event.clear()
    finally:
        listener.unregister(note, event)


# ---- the view wrapper ---------------------------------------------------------------

def waits_for_copies(view: Callable[..., Any], engine: Callable[[], Engine],
                     listen_url: str | None = None) -> Callable[..., Any]:
    """Run the view; on CopyMissing wait (bounded) for the missing rows outside any
    transaction and run it again; answer the carried error when they do not come."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        deadline: float | None = None
        found: set[tuple[str, str]] = set()
        reruns = 0
        while True:
            try:
                return view(*args, **kwargs)
            except CopyMissing as missing:
                if deadline is None:
                    deadline = time.monotonic() + copy_wait_s()
                rows = [r for r in missing.rows if r not in found]
                if not rows or reruns >= MAX_RERUNS:
                    raise missing.error from None  # the row is there: the refusal stands
                for table, key in rows:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not await_copy(engine(), table, key, remaining, listen_url):
                        raise missing.error from None
                    found.add((table, key))
                reruns += 1

    return wrapper


def install_copy_wait(app: Flask, engine: Callable[[], Engine], listen_url: str | None = None) -> None:
    """Wrap every view of the app (call after every blueprint is registered)."""
    for endpoint, view in list(app.view_functions.items()):
        if not getattr(view, "_waits_for_copies", False):
            wrapped = waits_for_copies(view, engine, listen_url)
            wrapped._waits_for_copies = True  # type: ignore[attr-defined]
            app.view_functions[endpoint] = wrapped
