"""The bulk change worker: claims queued bulk jobs (FOR UPDATE SKIP LOCKED) and works
through their items in batches. Each batch is one transaction: the customers, the visibility
copy (acl_customers, shares), the items' before/after values, the events (the same ones, with
the same full snapshots, as PATCH /customers/{id}, /lost, /transfer and /shares write) and the
job's progress commit together, so a crash loses nothing and a restarted worker resumes after
the last committed batch (a running job whose heartbeat is older than `stale_after` seconds
is taken over; every batch beats).

An undo job (kind 'undo') walks the items its bulk job changed and puts back the values
before, field by field, where the customer still has the value the bulk change left
(domain.bulk.plan_undo); fields changed since are left alone and reported in `errors`."""

from __future__ import annotations

import json
import logging
import threading
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine

from services.customer import store
from services.customer.commands import handover
from services.customer.domain import bulk as rules
from services.customer.models import bulk_job_items, bulk_jobs, customers
from shared.background import work_until_stopped
from shared.envelope import utcnow
from shared.identity import Principal
from shared.outbox import EventContext, NewEvent, Outbox
from shared.visibility import visible_user_ids

log = logging.getLogger("crm.customer.bulk")
MAX_ATTEMPTS = 3
MAX_STORED_ERRORS = 10000
STALE_AFTER_S = 60.0
FORWARD_KINDS = ("bulk", "handover")  # jobs that apply `changes` (an undo puts values back)

_CLAIM = sa.text("""
UPDATE bulk_jobs SET status = 'running', attempts = attempts + 1, heartbeat_at = now()
WHERE id = (
    SELECT id FROM bulk_jobs
    WHERE status = 'queued' OR (status = 'running' AND heartbeat_at < now() - make_interval(secs => :stale))
    ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
RETURNING id, kind, created_by, role, correlation_id, changes, undo_of, attempts
""")

_WRITE_CUSTOMER = sa.text("""
UPDATE customers SET category = :category, industry = :industry, custom_fields = CAST(:custom_fields AS jsonb),
       status = :status, lost_reason = :lost_reason, owner_id = :owner_id, updated_at = :updated_at
WHERE id = :id
""")
_WRITE_ACL = sa.text("UPDATE acl_customers SET owner_id = :owner_id, status = :status WHERE customer_id = :id")
_ADD_SHARE = sa.text("INSERT INTO acl_customer_shares (customer_id, user_id) VALUES (:c, :u) ON CONFLICT DO NOTHING")
_REMOVE_SHARE = sa.text("DELETE FROM acl_customer_shares WHERE customer_id = :c AND user_id = :u")
_WRITE_ITEM = sa.text("""
UPDATE bulk_job_items SET before = CAST(:before AS jsonb), after = CAST(:after AS jsonb),
       share_added = :share_added, share_removed = :share_removed
WHERE job_id = :job AND seq = :seq
""")


class BulkWorker:
    def __init__(self, engine: Engine, outbox: Outbox, *, batch_size: int = 500, poll: float = 0.5,
                 stale_after: float = STALE_AFTER_S):
        self.engine = engine
        self.outbox = outbox
        self.batch_size = batch_size
        self.poll = poll
        self.stale_after = stale_after
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        work_until_stopped(self._stop, self.run_once, self.poll, log, "bulk worker")

    def run_once(self) -> bool:
        """Claim and work through one job. False when there was none."""
        with self.engine.begin() as conn:
            job = conn.execute(_CLAIM, {"stale": self.stale_after}).first()
        if job is None:
            return False
        if job.attempts > MAX_ATTEMPTS:
            self._finish(job, "failed", "the job was interrupted too often")
            return True
        try:
            while not self._stop.is_set():
                if not self._batch(job):
                    self._finish(job, "done", None)
                    break
        except _LostJob:
            log.warning("bulk job %s was taken over by another worker", job.id)
        return True

    # ---- one batch ----------------------------------------------------------------------
    def _batch(self, job: Any) -> bool:
        """One transaction: the next items. False when none was left."""
        with self.engine.begin() as conn:
            last = conn.execute(sa.select(bulk_jobs.c.last_seq).where(bulk_jobs.c.id == job.id)).scalar_one()
            items = self._items(conn, job, last)
            if not items:
                return False
            who = Principal(user_id=job.created_by, role=job.role)
            team = None if who.role == "admin" else set(visible_user_ids(conn, who))
            ids = [i.customer_id for i in items]
            rows = {r.id: r for r in conn.execute(
                sa.select(customers).where(customers.c.id.in_(ids)).order_by(customers.c.id).with_for_update())}
            shared = store.shared_with(conn, ids)
            ctx = EventContext(actor_id=job.created_by, correlation_id=job.correlation_id or job.id)
            marks = handover.event_marks(conn, job) if job.kind == "handover" else None
            events: list[NewEvent] = []
            errors: list[dict[str, Any]] = []
            writes = _Writes()
            changed = 0
            for item in items:
                row = rows.get(item.customer_id)
                if row is None or row.deleted_at is not None:
                    errors.append({"id": item.customer_id, "message": "deleted since the change was queued"})
                    continue
                if team is not None and not rules.may_bulk_edit(who.role, who.user_id, row.owner_id,
                                                                row.owner_id in team):
                    errors.append({"id": item.customer_id, "message": "no longer yours to change"})
                    continue
                if job.kind == "handover" and row.owner_id not in (job.changes["handover"]["from_user_id"],
                                                                   job.changes["handover"]["to_user_id"]):
                    errors.append({"id": row.id, "message": "handed to someone else since the hand-over was queued"})
                    continue
                plan = self._plan(job, item, row, shared[row.id])
                if plan.skipped:
                    errors.append({"id": row.id, "code": "changed_since", "message":
                                   "changed since the bulk change, left as it is: " + ", ".join(plan.skipped)})
                if plan.changed:
                    events.extend(self._apply(writes, row, plan, shared[row.id], handover=marks))
                    changed += 1
                if job.kind == "bulk" and plan.changed:
                    writes.items.append({"job": job.id, "seq": item.seq, "before": json.dumps(plan.before),
                                         "after": json.dumps(plan.after), "share_added": plan.share_added,
                                         "share_removed": plan.share_removed})
            writes.run(conn)
            self.outbox.add_many(conn, ctx, events)
            done = conn.execute(
                bulk_jobs.update()
                .where(bulk_jobs.c.id == job.id, bulk_jobs.c.attempts == job.attempts,
                       bulk_jobs.c.status == "running")
                .values(processed=bulk_jobs.c.processed + len(items), changed=bulk_jobs.c.changed + changed,
                        last_seq=items[-1].seq, error_count=bulk_jobs.c.error_count + len(errors),
                        errors=sa.case(
                            (sa.func.jsonb_array_length(bulk_jobs.c.errors) < MAX_STORED_ERRORS,
                             bulk_jobs.c.errors.op("||")(sa.bindparam(None, errors, type_=JSONB))),
                            else_=bulk_jobs.c.errors),
                        heartbeat_at=sa.func.now())
            ).rowcount
            if not done:
                raise _LostJob()
        return True

    def _items(self, conn: Connection, job: Any, last: int) -> list[Any]:
        mine = bulk_job_items.alias("mine")
        if job.kind in FORWARD_KINDS:
            query = sa.select(mine.c.seq, mine.c.customer_id)
        else:  # the bulk job's item of the same number: its before/after
            origin = bulk_job_items.alias("origin")
            query = (sa.select(mine.c.seq, mine.c.customer_id, origin.c.before, origin.c.after,
                               origin.c.share_added, origin.c.share_removed)
                     .join_from(mine, origin, sa.and_(origin.c.job_id == job.undo_of, origin.c.seq == mine.c.seq)))
        return conn.execute(query.where(mine.c.job_id == job.id, mine.c.seq > last)
                            .order_by(mine.c.seq).limit(self.batch_size)).all()

    @staticmethod
    def _plan(job: Any, item: Any, row: Any, shared_with: list[str]) -> rules.Plan:
        values = dict(row._mapping)
        if job.kind in FORWARD_KINDS:
            return rules.plan_change(values, job.changes["set"], share_with=job.changes.get("share_with"),
                                     shared_with=shared_with)
        return rules.plan_undo(values, item.before or {}, item.after or {}, share_added=item.share_added,
                               share_removed=item.share_removed, shared_with=shared_with)

    @staticmethod
    def _apply(writes: _Writes, row: Any, plan: rules.Plan, shared_before: list[str], *,
               handover: dict[str, str] | None = None) -> list[NewEvent]:
        """Queue the plan's final values in `writes` and return one event per step, each with
        the snapshot after that step (as the steps would have been taken by hand, one after the other)."""
        state = dict(row._mapping)
        state["updated_at"] = utcnow()
        current = list(shared_before)
        out = []
        for step in plan.steps:
            state.update(step.values)
            if step.event_type == "customer.customer.transferred" and state["owner_id"] in current:
                current.remove(state["owner_id"])
            elif step.event_type == "customer.customer.shared" and plan.share_added not in current:
                current.append(plan.share_added)
            elif step.event_type == "customer.customer.unshared" and plan.share_removed in current:
                current.remove(plan.share_removed)
            snapshot = store.snapshot(SimpleNamespace(**state), sorted(current))
            if handover:  # a rep's hand-over: said on the timeline; tracking tells the new owner once
                snapshot.update(handover)
            out.append(NewEvent(step.event_type, "customer", row.id, snapshot, customer_id=row.id))
        writes.customers.append({
            "id": row.id, "category": state["category"], "industry": state["industry"],
            "custom_fields": json.dumps(state["custom_fields"] or {}, ensure_ascii=False), "status": state["status"],
            "lost_reason": state["lost_reason"], "owner_id": state["owner_id"], "updated_at": state["updated_at"]})
        writes.acl.append({"id": row.id, "owner_id": state["owner_id"], "status": state["status"]})
        writes.unshare += [{"c": row.id, "u": u} for u in shared_before if u not in current]
        writes.share += [{"c": row.id, "u": u} for u in current if u not in shared_before]
        return out

    def _finish(self, job: Any, status: str, message: str | None) -> None:
        with self.engine.begin() as conn:
            row = conn.execute(
                bulk_jobs.update().where(bulk_jobs.c.id == job.id, bulk_jobs.c.attempts == job.attempts)
                .values(status=status, message=message, finished_at=sa.func.now()).returning(bulk_jobs.c.id)
            ).first()
            if row is not None and status == "done" and job.kind == "handover":
                # the leads, tasks and the event sales moves the opportunities from (issue 16)
                handover.complete(conn, self.outbox, job)
            if row is not None and job.kind == "undo":
                # done: the bulk change is undone; failed: it may be undone again
                conn.execute(bulk_jobs.update().where(bulk_jobs.c.id == job.undo_of).values(
                    **({"status": "undone"} if status == "done" else {"undone_by": None})))


class _Writes:
    """One batch's row writes, sent as one executemany each (pipelined by psycopg)."""

    def __init__(self) -> None:
        self.customers: list[dict[str, Any]] = []
        self.acl: list[dict[str, Any]] = []
        self.items: list[dict[str, Any]] = []
        self.share: list[dict[str, Any]] = []
        self.unshare: list[dict[str, Any]] = []

    def run(self, conn: Connection) -> None:
        for statement, rows in ((_WRITE_CUSTOMER, self.customers), (_WRITE_ACL, self.acl), (_WRITE_ITEM, self.items),
                                (_ADD_SHARE, self.share), (_REMOVE_SHARE, self.unshare)):
            if rows:
                conn.execute(statement, rows)


class _LostJob(Exception):
    pass
