"""A rep's hand-over (issue 16; rules in domain/handover.py): POST /handovers queues one job
(a bulk job of kind 'handover', so GET /jobs/{id} shows its progress) whose items are the rep's
customers; the bulk worker transfers them in batches (each customer.customer.transferred carries
`handover_id`, on the customer's timeline; tracking sends one notice for the whole hand-over,
not one per customer). When the last batch is in, `complete` moves the open leads and open
tasks in the job's final transaction and publishes customer.handover.completed, from which the
sales service moves the open opportunities (its answer, sales.handover.opportunities_moved,
fills in the job's count: `record_opportunities`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.customer.assignments import assign
from services.customer.commands.leads import lead_snapshot
from services.customer.commands.tasks import snapshot as task_snapshot
from services.customer.domain import bulk as bulk_rules
from services.customer.domain import handover as rules
from services.customer.models import bulk_job_items, bulk_jobs, customers, leads, tasks
from shared.errors import Conflict, Forbidden, ValidationFailed
from shared.identity import Principal
from shared.outbox import EventContext, Outbox
from shared.service import ServiceContext
from shared.visibility import is_manager_of, require_assignable_owner

_USER = sa.text("SELECT id, coalesce(full_name, username) AS name FROM acl_users WHERE id = :u")
_RUNNING = sa.text(
    "SELECT id FROM bulk_jobs WHERE kind = 'handover' AND status IN ('queued', 'running') "
    "AND changes->'handover'->>'from_user_id' = :u LIMIT 1")


def queue_handover(ctx: ServiceContext, p: Principal, body: Mapping[str, Any],
                   correlation_id: str | None) -> dict[str, Any]:
    """The queued job (id, total customers). 403 for anyone but an admin or a manager above the
    rep; 422 unknown users or a colleague who may not own customers; 409 when a hand-over of
    the same rep is still running."""
    if p.role not in rules.HANDOVER_ROLES:
        raise Forbidden("only an admin or the rep's manager hands a rep's work over")
    errors = rules.check_request(body)
    if errors:
        raise ValidationFailed("invalid hand-over", details=errors)
    source, target = body["from_user_id"], body["to_user_id"]
    job_id = str(uuid.uuid4())
    with ctx.engine.begin() as conn:
        if conn.execute(_USER, {"u": source}).first() is None:
            raise ValidationFailed("unknown user", details={"from_user_id": ["unknown user"]})
        if not rules.may_start(p.role, p.role == "manager" and is_manager_of(conn, p.user_id, source)):
            raise Forbidden("only an admin or a manager above the rep hands their work over",
                            details={"from_user_id": ["not a rep of your team"]})
        require_assignable_owner(conn, p, target, field="to_user_id")
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('handover'), hashtext(:u))"), {"u": source})
        running = conn.execute(_RUNNING, {"u": source}).scalar()
        if running:
            raise Conflict("a hand-over of this rep is still running", code="handover_running",
                           details={"job_id": running})
        conn.execute(bulk_jobs.insert().values(
            id=job_id, kind="handover", created_by=p.user_id, role=p.role, correlation_id=correlation_id,
            changes={"set": {"owner_id": target}, "share_with": None,
                     "handover": rules.new_progress(source, target)},
            target={"owner_id": source}, status="queued"))
        mine = (sa.select(customers.c.id)
                .where(customers.c.owner_id == source, customers.c.deleted_at.is_(None))
                .order_by(customers.c.created_at, customers.c.id).limit(bulk_rules.MAX_RECORDS + 1).subquery())
        conn.execute(bulk_job_items.insert().from_select(
            ["job_id", "seq", "customer_id"], sa.select(sa.literal(job_id), sa.func.row_number().over(), mine.c.id)))
        total = conn.execute(sa.select(sa.func.count()).select_from(bulk_job_items)
                             .where(bulk_job_items.c.job_id == job_id)).scalar_one()
        if total > bulk_rules.MAX_RECORDS:
            raise ValidationFailed("too many customers for one hand-over", code="too_many_records",
                                   details={"from_user_id": [f"owns more than {bulk_rules.MAX_RECORDS} customers"]})
        conn.execute(bulk_jobs.update().where(bulk_jobs.c.id == job_id).values(total=total))
    # queued even without customers: the leads and tasks move when the job finishes
    return {"job_id": job_id, "id": job_id, "status": "queued", "total": total}


def complete(conn: Connection, outbox: Outbox, job: Any) -> dict[str, Any]:
    """The job's last step, in the transaction that marks it done: the rep's open leads and
    open tasks to the colleague (one event each), customer.handover.completed, the counts on
    the job. Returns the job's `handover` record."""
    progress = dict(job.changes["handover"])
    source, target = progress["from_user_id"], progress["to_user_id"]
    events = EventContext(actor_id=job.created_by, correlation_id=job.correlation_id or job.id)
    moved_leads = conn.execute(
        leads.update().where(leads.c.owner_id == source, leads.c.status.in_(rules.OPEN_LEAD_STATUSES))
        .values(owner_id=target).returning(*leads.c)).all()
    for lead in sorted(moved_leads, key=lambda r: r.id):
        outbox.add(conn, events, "customer.lead.assigned", aggregate_type="lead", aggregate_id=lead.id,
                   data={**lead_snapshot(lead), "previous_owner_id": source, "handover_id": job.id})
    moved_tasks = conn.execute(
        tasks.update().where(tasks.c.assignee_id == source, tasks.c.status.in_(rules.OPEN_TASK_STATUSES))
        .values(assignee_id=target, updated_at=sa.func.now()).returning(*tasks.c)).all()
    for task in sorted(moved_tasks, key=lambda r: r.id):
        outbox.add(conn, events, "customer.task.updated", aggregate_type="task", aggregate_id=task.id,
                   customer_id=task.customer_id, data=task_snapshot(task))
        if task.customer_id:  # the grant follows the assignee (as a reassignment by hand)
            assign(conn, outbox, events, record_type="task", record_id=task.id, customer_id=task.customer_id,
                   label=task.title, assignees=[] if target == task.created_by else [target])
    names = {u: (conn.execute(_USER, {"u": u}).first() or (None, None))[1] for u in (source, target)}
    progress.update(leads=len(moved_leads), tasks=len(moved_tasks))
    outbox.add(conn, events, "customer.handover.completed", aggregate_type="handover", aggregate_id=job.id,
               data={"id": job.id, "from_user_id": source, "to_user_id": target, "from_name": names[source],
                     "to_name": names[target], "customers": job_changed(conn, job.id), "leads": len(moved_leads),
                     "tasks": len(moved_tasks)})
    conn.execute(bulk_jobs.update().where(bulk_jobs.c.id == job.id)
                 .values(changes={**job.changes, "handover": progress}))
    return progress


def event_marks(conn: Connection, job: Any) -> dict[str, str]:
    """What each customer's transfer event carries in a hand-over: the job's id and the line
    the timeline adds ("<rep> → <colleague>", the same in both languages)."""
    progress = job.changes["handover"]
    names = [(conn.execute(_USER, {"u": u}).first() or (None, u[:8]))[1]
             for u in (progress["from_user_id"], progress["to_user_id"])]
    return {"handover_id": job.id, "handover_note": f"{names[0]} → {names[1]}"}


def job_changed(conn: Connection, job_id: str) -> int:
    return conn.execute(sa.select(bulk_jobs.c.changed).where(bulk_jobs.c.id == job_id)).scalar_one()


def record_opportunities(conn: Connection, handover_id: str, count: int) -> None:
    """The sales service's answer: how many open opportunities it moved (idempotent: a set)."""
    conn.execute(sa.text(
        "UPDATE bulk_jobs SET changes = jsonb_set(changes, '{handover,opportunities}', to_jsonb(CAST(:n AS int))) "
        "WHERE id = :id AND kind = 'handover'"), {"id": handover_id, "n": int(count)})
