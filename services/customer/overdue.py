"""The overdue check: a service order still being worked on (open, in progress, waiting
for parts) past its due time is announced once per due time by
customer.service_order.overdue (tracking notifies the assignee and their manager).

Safe with several replicas: each round claims up to `batch` orders with
`FOR UPDATE SKIP LOCKED` and marks them (`overdue_notified_at`) in the same transaction as
their events, so two checkers never announce the same order, and a crash before commit
announces it at the next round. A new due time (PATCH due_at) clears the mark."""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.customer.commands.service_orders import snapshot
from shared.outbox import Emitter, EventContext, Outbox

log = logging.getLogger("crm.customer.overdue")

_CLAIM = sa.text("""
WITH due AS (
    SELECT id FROM service_orders
    WHERE overdue_notified_at IS NULL AND status IN ('open', 'in_progress', 'waiting_parts')
      AND due_at IS NOT NULL AND due_at < now()
    ORDER BY due_at LIMIT :n FOR UPDATE SKIP LOCKED)
UPDATE service_orders s SET overdue_notified_at = now() FROM due WHERE s.id = due.id
RETURNING s.*, (SELECT u.manager_id FROM acl_users u WHERE u.id = s.assignee_id) AS manager_id
""")


def announce_overdue(engine: Engine, outbox: Outbox, *, batch: int = 100) -> int:
    """One round: claim, mark and announce up to `batch` overdue orders. Returns how many."""
    with engine.begin() as conn:
        rows = conn.execute(_CLAIM, {"n": batch}).all()
        emit = Emitter(conn, outbox, EventContext())  # no user: the system noticed it
        for row in rows:
            emit("customer.service_order.overdue", aggregate_type="service_order", aggregate_id=row.id,
                 customer_id=row.customer_id, data={**snapshot(row), "manager_id": row.manager_id})
    return len(rows)


class OverdueChecker:
    """Runs announce_overdue every `every` seconds (beside the consumer, like the import worker)."""

    def __init__(self, engine: Engine, outbox: Outbox, *, every: float = 60.0):
        self.engine = engine
        self.outbox = outbox
        self.every = every
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                while announce_overdue(self.engine, self.outbox) and not self._stop.is_set():
                    pass  # more than one batch was due
            except Exception:  # keep the loop alive; the next round tries again
                log.exception("overdue check failed")
            self._stop.wait(self.every)
