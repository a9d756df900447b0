"""Task commands: create a follow-up (with an optional reminder and repeat), change it, move
its status (domain.tasks: open -> done / cancelled, reopen), complete it with the activity
it produced in the same transaction.

Who sees a task: with a customer, whoever may read that customer (the assignee included:
a task assigned by someone else carries an assignment grant, services/customer/assignments.py);
without one, its assignee, its creator and the managers above them. Who may change it: its
assignee or creator, whoever may fill in its customer (a read-only grant holder who is not
the assignee may not), a manager above the assignee or creator, an admin."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement

from services.customer.access import customer_clause, load_customer, require_customer_field
from services.customer.api.common import aware
from services.customer.assignments import assign
from services.customer.commands.activities import insert_activity
from services.customer.commands.leads import visible_lead
from services.customer.domain.tasks import next_times, task_transition_allowed
from services.customer.models import tasks
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.identity import Principal
from shared.outbox import Emitter, EventContext
from shared.service import ServiceContext
from shared.visibility import is_manager_of, require_assignable_owner, sees_all, visible_user_ids
from shared.web import iso

STATUS_EVENTS = {"done": "customer.task.completed", "cancelled": "customer.task.cancelled",
                 "open": "customer.task.reopened"}
EDITABLE = ("title", "due_at", "remind_at", "assignee_id")


def people_of(conn: Connection, p: Principal) -> list[str]:
    """The users whose customer-less tasks the caller sees: themselves and, for a manager,
    their team."""
    return visible_user_ids(conn, p) if p.role in ("sales", "manager") else [p.user_id]


def task_clause(conn: Connection, p: Principal, table: sa.Table = tasks) -> ColumnElement:
    """WHERE clause: the tasks the caller sees (the module's rule)."""
    if sees_all(p, "customer"):
        return sa.true()
    people = people_of(conn, p)
    return sa.or_(
        sa.and_(table.c.customer_id.is_not(None), customer_clause(conn, p, table.c.customer_id, read=True)),
        sa.and_(table.c.customer_id.is_(None),
                sa.or_(table.c.assignee_id.in_(people), table.c.created_by.in_(people))),
    )


def visible_task(conn: Connection, p: Principal, task_id: str, *, for_update: bool = False) -> Row:
    query = sa.select(tasks).where(tasks.c.id == task_id, task_clause(conn, p))
    row = conn.execute(query.with_for_update(of=tasks) if for_update else query).first()
    if row is None:
        raise NotFound("task not found")
    return row


def _require_write(conn: Connection, p: Principal, row: Any) -> None:
    if p.is_admin or p.user_id in (row.assignee_id, row.created_by):
        return
    if row.customer_id:
        load_customer(conn, p, row.customer_id)  # 403 read_only for a grant holder
        return
    if p.role == "manager" and any(is_manager_of(conn, p.user_id, u) for u in (row.assignee_id, row.created_by)):
        return
    raise Forbidden("only the task's assignee or creator, their manager or an admin may change it")


def snapshot(row: Any) -> dict[str, Any]:
    return {"id": row.id, "title": row.title, "due_at": iso(row.due_at), "remind_at": iso(row.remind_at),
            "assignee_id": row.assignee_id, "customer_id": row.customer_id, "related_type": row.related_type,
            "related_id": row.related_id, "repeat": row.repeat, "status": row.status,
            "created_by": row.created_by, "activity_id": row.activity_id}


def _emit(emit: Emitter, event_type: str, row: Any) -> None:
    emit(event_type, aggregate_type="task", aggregate_id=row.id, customer_id=row.customer_id, data=snapshot(row))


def _grant(conn: Connection, emit: Emitter, p: Principal, row: Any) -> None:
    """A task on a customer assigned to someone else gives them read access to the customer
    (an assignment grant); one the caller keeps for themselves needs none."""
    if row.customer_id:
        assign(conn, emit.outbox, emit.context, record_type="task", record_id=row.id, customer_id=row.customer_id,
               label=row.title, assignees=[] if row.assignee_id == p.user_id else [row.assignee_id])


def _check_times(due_at: dt.datetime, remind_at: dt.datetime | None) -> None:
    if remind_at is not None and remind_at > due_at:
        raise ValidationFailed("the reminder comes after the due time",
                               details={"remind_at": ["must not be after due_at"]})


def _check_related(conn: Connection, p: Principal, body: Mapping[str, Any]) -> None:
    kind, rid = body.get("related_type"), body.get("related_id")
    if bool(kind) != bool(rid):
        raise ValidationFailed("give related_type and related_id together",
                               details={"related_type" if not kind else "related_id": ["required with the other"]})
    if kind == "lead":
        try:
            visible_lead(conn, p, rid)
        except NotFound:
            raise ValidationFailed("unknown lead", details={"related_id": ["not a lead you see"]}) from None


def create_task(ctx: ServiceContext, events: EventContext, p: Principal, body: Mapping[str, Any]) -> Row:
    """customer.task.created (and an assignment grant for someone else's task on a customer)."""
    with ctx.transaction(events) as (conn, emit):
        customer_id = None
        if body.get("customer_id"):
            customer_id = require_customer_field(conn, p, body["customer_id"]).id
        assignee = require_assignable_owner(conn, p, body.get("assignee_id") or p.user_id, field="assignee_id",
                                            roles=())
        _check_related(conn, p, body)
        due_at = aware(body["due_at"])
        remind_at = aware(body["remind_at"]) if body.get("remind_at") else None
        _check_times(due_at, remind_at)
        row = conn.execute(tasks.insert().values(
            id=str(uuid.uuid4()), title=body["title"].strip(), due_at=due_at, remind_at=remind_at,
            assignee_id=assignee, customer_id=customer_id, related_type=body.get("related_type"),
            related_id=body.get("related_id"), repeat=body.get("repeat"), status="open", created_by=p.user_id,
        ).returning(*tasks.c)).one()
        _emit(emit, "customer.task.created", row)
        _grant(conn, emit, p, row)
    return row


def update_task(ctx: ServiceContext, events: EventContext, p: Principal, task_id: str,
                body: Mapping[str, Any]) -> Row:
    """A status move (409 illegal_transition when the flow does not allow it), edits (only of
    an open task, or one this request reopens: 409 task_closed), and with status done an
    optional `activity` logged on the task's customer in the same transaction. Completing a
    recurring task creates its next occurrence."""
    with ctx.transaction(events) as (conn, emit):
        row = visible_task(conn, p, task_id, for_update=True)
        _require_write(conn, p, row)
        previous = row.status
        new_status = body.get("status", previous)
        if "status" in body and not task_transition_allowed(previous, new_status):
            raise Conflict(f"a task cannot go from {previous} to {new_status}", code="illegal_transition",
                           details={"from": previous, "to": new_status})
        edits = {k: body[k] for k in EDITABLE if k in body}
        if edits and new_status != "open":
            raise Conflict("a done or cancelled task cannot be changed; reopen it first", code="task_closed",
                           details={"status": new_status})
        if body.get("activity") and body.get("status") != "done":
            raise ValidationFailed("an activity is logged when the task is completed",
                                   details={"activity": ["only with status done"]})
        values: dict[str, Any] = {"updated_at": sa.func.now(), "status": new_status}
        if "title" in edits:
            values["title"] = edits["title"].strip()
        due_at = aware(edits["due_at"]) if "due_at" in edits else row.due_at
        remind_at = row.remind_at
        if "remind_at" in edits:
            remind_at = aware(edits["remind_at"]) if edits["remind_at"] else None
        _check_times(due_at, remind_at)
        values.update(due_at=due_at, remind_at=remind_at)
        if remind_at != row.remind_at:
            values["reminded_at"] = None  # a new reminder time fires anew
        if edits.get("assignee_id") not in (None, row.assignee_id):
            values["assignee_id"] = require_assignable_owner(conn, p, edits["assignee_id"], field="assignee_id",
                                                             roles=())
        if new_status != previous:
            values["completed_at"] = sa.func.now() if new_status == "done" else None
        if body.get("activity"):
            if not row.customer_id:
                raise ValidationFailed("a task without a customer has nowhere to log the activity",
                                       details={"activity": ["the task has no customer"]})
            require_customer_field(conn, p, row.customer_id)
            values["activity_id"] = insert_activity(conn, emit, p, row.customer_id, body["activity"]).id
        changed = any(values.get(k, getattr(row, k)) != getattr(row, k) for k in ("title", "due_at", "remind_at")) \
            or "assignee_id" in values
        row = conn.execute(tasks.update().where(tasks.c.id == row.id).values(**values).returning(*tasks.c)).one()
        if changed:
            _emit(emit, "customer.task.updated", row)
            if "assignee_id" in values:
                _grant(conn, emit, p, row)
        if new_status != previous:
            _emit(emit, STATUS_EVENTS[new_status], row)
            if new_status == "done" and row.repeat:
                _next_occurrence(conn, emit, p, row)
    return row


def _next_occurrence(conn: Connection, emit: Emitter, p: Principal, row: Any) -> None:
    """The recurring task's next one (once: a reopened and completed again task has it already)."""
    due_at, remind_at = next_times(row.due_at, row.remind_at, row.repeat)
    nxt = conn.execute(pg_insert(tasks).values(
        id=str(uuid.uuid4()), title=row.title, due_at=due_at, remind_at=remind_at, assignee_id=row.assignee_id,
        customer_id=row.customer_id, related_type=row.related_type, related_id=row.related_id, repeat=row.repeat,
        status="open", previous_id=row.id, created_by=row.created_by,
    ).on_conflict_do_nothing(index_elements=["previous_id"], index_where=sa.text("previous_id IS NOT NULL"))
        .returning(*tasks.c)).first()
    if nxt is not None:
        _emit(emit, "customer.task.created", nxt)
        if nxt.customer_id and nxt.assignee_id != nxt.created_by:
            assign(conn, emit.outbox, emit.context, record_type="task", record_id=nxt.id,
                   customer_id=nxt.customer_id, label=nxt.title, assignees=[nxt.assignee_id])


def next_of(conn: Connection, task_id: str) -> str | None:
    return conn.execute(sa.select(tasks.c.id).where(tasks.c.previous_id == task_id)).scalar()
