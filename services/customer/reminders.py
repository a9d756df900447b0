"""The reminder scheduler: turns due task reminders into customer.task.reminder_due events
(tracking makes them the assignee's notifications).

Fires once, across replicas and restarts: each pass claims due reminders with
`SELECT ... FOR UPDATE SKIP LOCKED` (a reminder another replica holds is skipped, not
waited for), marks them fired (reminded_at) and writes their events to the outbox in the
same transaction. A crash before the commit leaves them due for the next pass of any
replica; after the commit they are never due again (until remind_at changes). The state is
all in the database, so a restarted process simply goes on. It runs as a thread of the
customer consumer (bootstrap.py) and as `python -m services.customer scheduler`."""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.outbox import EventContext, NewEvent, Outbox
from shared.web import iso

log = logging.getLogger("crm.customer.reminders")

_CLAIM = sa.text("""
UPDATE tasks SET reminded_at = now()
WHERE id IN (
    SELECT id FROM tasks
    WHERE status = 'open' AND reminded_at IS NULL AND remind_at IS NOT NULL AND remind_at <= now()
    ORDER BY remind_at FOR UPDATE SKIP LOCKED LIMIT :batch)
RETURNING id, title, due_at, remind_at, assignee_id, customer_id, created_by
""")


class ReminderScheduler:
    def __init__(self, engine: Engine, outbox: Outbox, *, poll: float = 5.0, batch: int = 200):
        self.engine = engine
        self.outbox = outbox
        self.poll = poll
        self.batch = batch
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        log.info("reminder scheduler started (a pass every %.2f s, at most %d per transaction)",
                 self.poll, self.batch)
        while not self._stop.is_set():
            try:
                fired = self.run_once()
            except Exception:  # keep the loop alive; the reminders stay due
                log.exception("reminder pass failed")
                fired = 0
            if fired < self.batch:
                self._stop.wait(self.poll)

    def run_once(self) -> int:
        """Fire the reminders due now (at most `batch`); how many fired."""
        with self.engine.begin() as conn:
            rows = conn.execute(_CLAIM, {"batch": self.batch}).all()
            if rows:
                self.outbox.add_many(conn, EventContext(actor_id=None), [
                    NewEvent("customer.task.reminder_due", "task", r.id, {
                        "id": r.id, "title": r.title, "due_at": iso(r.due_at), "remind_at": iso(r.remind_at),
                        "assignee_id": r.assignee_id, "task_customer_id": r.customer_id})
                    for r in rows])
        if rows:
            log.info("fired %d task reminders", len(rows))
        return len(rows)
