"""Inventory's commands: each public function of the modules here is one business flow in
ONE transaction (`in_transaction`: deadlock retry, a broken stock rule a 409): lookups and
row locks, the rules of `domain/`, the SQL (here or in the store modules) and the events to
the outbox. The views under `api/` parse the request, call one command and render what it
returns; they write nothing themselves."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from services.inventory.domain.stock import StockError
from shared.errors import Conflict
from shared.outbox import Emitter, EventContext
from shared.service import ServiceContext

T = TypeVar("T")

_RETRYABLE = {"40P01", "40001"}  # deadlock_detected, serialization_failure


def in_transaction(ctx: ServiceContext, events: EventContext, work: Callable[[Connection, Emitter], T], *,
                   attempts: int = 3) -> T:
    """Run work(conn, emit) in one transaction (emit writes the events caused in `events`'
    name to the outbox in it); a deadlock or serialization failure is retried (the whole
    transaction), a stock rule broken inside becomes a 409."""
    for attempt in range(1, attempts + 1):
        try:
            with ctx.transaction(events) as (conn, emit):
                return work(conn, emit)
        except DBAPIError as exc:
            code = getattr(exc.orig, "sqlstate", None)
            if code in _RETRYABLE and attempt < attempts:
                time.sleep(0.02 * attempt)
                continue
            if code == "23514":  # a CHECK constraint: a race the domain check did not see
                raise Conflict("a concurrent change conflicts with this request; nothing was written",
                               code="conflict") from exc
            raise
        except StockError as exc:
            raise Conflict(exc.message, code=exc.code, details=exc.details) from exc
    raise AssertionError("unreachable")
