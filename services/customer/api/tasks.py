"""Tasks: follow-ups with a due time, an optional reminder (a notification to the assignee
at remind_at, services/customer/reminders.py) and repeat; the writes and who sees what are
services/customer/commands/tasks.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from services.customer.api import answers as out
from services.customer.api.common import moment_arg, text
from services.customer.commands import tasks as commands
from services.customer.domain.tasks import RELATED_TYPES, REPEATS, TASK_STATUSES, is_overdue
from services.customer.models import tasks
from shared.errors import ValidationFailed
from shared.events.customer import ACTIVITY_KINDS
from shared.fields import AwareDateTime, uuid_field
from shared.openapi import api_doc
from shared.service import service_context
from shared.visibility import with_customer_names
from shared.web import (
    count_and_page,
    event_context,
    iso,
    load,
    page_args,
    page_response,
    path_id,
    principal,
    uuid_arg,
)

bp = Blueprint("tasks", __name__)


class TaskIn(Schema):
    title = text(300, required=True)
    due_at = AwareDateTime(required=True)
    remind_at = AwareDateTime(allow_none=True, load_default=None)
    assignee_id = uuid_field()
    customer_id = uuid_field()
    related_type = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(RELATED_TYPES))
    related_id = uuid_field()
    repeat = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(REPEATS))


class CompletionActivity(Schema):
    """The activity logged on the task's customer when the task is completed."""

    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS))
    summary = text(5000, required=True)
    occurred_at = AwareDateTime(allow_none=True, load_default=None)
    contact_id = uuid_field()


class TaskPatch(Schema):
    """Loaded partially: a field left out is not changed."""

    status = fields.String(validate=validate.OneOf(TASK_STATUSES))
    title = text(300, required=True)
    due_at = AwareDateTime()
    remind_at = AwareDateTime(allow_none=True)
    assignee_id = uuid_field(allow_none=False)
    activity = fields.Nested(CompletionActivity, allow_none=True)


def task_json(row: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or dt.datetime.now(dt.UTC)
    return {"id": row.id, "title": row.title, "due_at": iso(row.due_at), "remind_at": iso(row.remind_at),
            "reminded_at": iso(row.reminded_at), "assignee_id": row.assignee_id, "customer_id": row.customer_id,
            "related_type": row.related_type, "related_id": row.related_id, "repeat": row.repeat,
            "status": row.status, "overdue": is_overdue(row.status, row.due_at, now),
            "activity_id": row.activity_id, "previous_id": row.previous_id, "created_by": row.created_by,
            "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
            "completed_at": iso(row.completed_at)}


def _activity(raw: dict[str, Any]) -> dict[str, Any]:
    try:
        return load(CompletionActivity(), raw)
    except ValidationFailed as exc:
        raise ValidationFailed("the activity has invalid fields", details={"activity": exc.details}) from None


def _named(conn: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return with_customer_names(conn, items)


@bp.post("/tasks")
@api_doc(body=TaskIn, response=out.Task, status=201, summary="Create a task (a reminder at remind_at)")
def create_task() -> ResponseReturnValue:
    body = load(TaskIn())
    ctx = service_context()
    row = commands.create_task(ctx, event_context(), principal(), body)
    with ctx.engine.connect() as conn:
        return jsonify(_named(conn, [task_json(row)])[0]), 201


@bp.get("/tasks")
@api_doc(page=out.Task, summary="Tasks (assignee_id, customer_id, status, due_before, related_type, related_id); "
                                "soonest due first")
def list_tasks() -> ResponseReturnValue:
    page, per_page = page_args()
    args = request.args
    if args.get("status") and args["status"] not in TASK_STATUSES:
        raise ValidationFailed("invalid filters", details={"status": [f"must be one of {', '.join(TASK_STATUSES)}"]})
    if args.get("related_type") and args["related_type"] not in RELATED_TYPES:
        raise ValidationFailed("invalid filters",
                               details={"related_type": [f"must be one of {', '.join(RELATED_TYPES)}"]})
    due_before = moment_arg("due_before")
    ctx = service_context()
    with ctx.engine.connect() as conn:
        where = [commands.task_clause(conn, principal())]
        for name in ("assignee_id", "customer_id", "related_id"):
            value = uuid_arg(args.get(name), name)
            if value:
                where.append(tasks.c[name] == value)
        for name in ("status", "related_type"):
            if args.get(name):
                where.append(tasks.c[name] == args[name])
        if due_before:
            where.append(tasks.c.due_at < due_before)
        rows, total = count_and_page(conn, sa.select(tasks).where(*where)
                                     .order_by(tasks.c.due_at, tasks.c.id), page, per_page)
        now = dt.datetime.now(dt.UTC)
        items = _named(conn, [task_json(r, now) for r in rows])
    return page_response(items, total, page, per_page)


@bp.get("/tasks/<task_id>")
@api_doc(response=out.Task, summary="A task")
def get_task(task_id: str) -> ResponseReturnValue:
    with service_context().engine.connect() as conn:
        row = commands.visible_task(conn, principal(), path_id(task_id, "task"))
        item = _named(conn, [task_json(row)])[0]
        item["next_id"] = commands.next_of(conn, row.id)
    return jsonify(item)


@bp.patch("/tasks/<task_id>")
@api_doc(body=TaskPatch(partial=True), response=out.Task,
         summary="Change a task, complete (optionally logging the activity), cancel or reopen it; "
                 "409 on an illegal move")
def update_task(task_id: str) -> ResponseReturnValue:
    body = load(TaskPatch(), partial=True)
    if body.get("activity") is not None:  # (a partial load leaves its required fields unchecked)
        body["activity"] = _activity(request.get_json(silent=True)["activity"])
    if not body:
        raise ValidationFailed("nothing to change",
                               details={"status": ["give status and/or title, due_at, remind_at, assignee_id"]})
    ctx = service_context()
    row = commands.update_task(ctx, event_context(), principal(), path_id(task_id, "task"), body)
    with ctx.engine.connect() as conn:
        item = _named(conn, [task_json(row)])[0]
        item["next_id"] = commands.next_of(conn, row.id)
    return jsonify(item)
