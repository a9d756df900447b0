"""Activities (call, visit, email, meeting, note) and managers' comments on them; the
writes are services/customer/commands/activities.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from services.customer.access import customer_clause
from services.customer.api import answers as out
from services.customer.api.common import text
from services.customer.commands import activities as commands
from services.customer.commands import lead_handling as lead_commands
from services.customer.commands.leads import visible_lead
from services.customer.models import activities, activity_comments
from shared.errors import ValidationFailed
from shared.events.customer import ACTIVITY_KINDS
from shared.fields import AwareDateTime, uuid_field
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import (
    count_and_page,
    date_arg,
    event_context,
    iso,
    load,
    page_args,
    page_response,
    path_id,
    principal,
    uuid_arg,
)

bp = Blueprint("activities", __name__)
COMMENTER_ROLES = ("manager", "admin")


class ActivityIn(Schema):
    customer_id = uuid_field(metadata={"description": "the customer (or lead_id)"})
    lead_id = uuid_field(metadata={"description": "a lead not yet converted, instead of a customer"})
    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS))
    summary = text(5000, required=True)
    occurred_at = AwareDateTime(allow_none=True, load_default=None)
    contact_id = uuid_field()


class CommentIn(Schema):
    text = text(5000, required=True)


def activity_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "customer_id": row.customer_id, "contact_id": row.contact_id, "kind": row.kind,
            "summary": row.summary, "occurred_at": iso(row.occurred_at), "author_id": row.author_id,
            "lead_id": row.lead_id, "created_at": iso(row.created_at)}


def comment_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "activity_id": row.activity_id, "text": row.text, "author_id": row.author_id,
            "created_at": iso(row.created_at)}


@bp.post("/activities")
@api_doc(body=ActivityIn, response=out.Activity, status=201, summary="Log a call, visit, email, meeting or note on a customer or a lead")
def log_activity() -> ResponseReturnValue:
    body = load(ActivityIn())
    who = principal()
    if bool(body.get("customer_id")) == bool(body.get("lead_id")):
        raise ValidationFailed("name a customer or a lead", details={
            "customer_id": ["give customer_id or lead_id, not both"]})
    if body.get("lead_id"):
        if body.get("contact_id"):
            raise ValidationFailed("a lead has no contacts yet", details={"contact_id": ["not with lead_id"]})
        row = lead_commands.log_lead_activity(service_context(), event_context(), who, body["lead_id"], body)
        return jsonify(activity_json(row)), 201
    row = commands.log_activity(service_context(), event_context(), who, body)
    return jsonify(activity_json(row)), 201


@bp.get("/activities")
@api_doc(page=out.Activity, summary="Activities (customer_id, lead_id, contact_id, author_id, kind, from, to)")
def list_activities() -> ResponseReturnValue:
    who = principal()
    page, per_page = page_args()
    args = request.args
    if args.get("kind") and args["kind"] not in ACTIVITY_KINDS:
        raise ValidationFailed("invalid filters", details={"kind": [f"must be one of {', '.join(ACTIVITY_KINDS)}"]})
    ctx = service_context()
    with ctx.engine.connect() as conn:
        lead_id = uuid_arg(args.get("lead_id"), "lead_id")
        if lead_id:  # a lead's activities: whoever sees the lead (404 otherwise), before and after conversion
            where = [activities.c.lead_id == visible_lead(conn, who, lead_id).id]
        else:
            where = [customer_clause(conn, who, activities.c.customer_id, read=True),
                     activities.c.customer_id.is_not(None)]
        for name in ("customer_id", "author_id"):
            value = uuid_arg(args.get(name), name)
            if value:
                where.append(activities.c[name] == value)
        if args.get("kind"):
            where.append(activities.c.kind == args["kind"])
        # from / to: days (UTC) of occurred_at, in the agreed years (422 otherwise: to=9999-12-31
        # would overflow the day after)
        start, end = date_arg("from"), date_arg("to")
        if start:
            where.append(activities.c.occurred_at >= dt.datetime.combine(start, dt.time.min, dt.UTC))
        if end:
            where.append(activities.c.occurred_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, dt.UTC))
        rows, total = count_and_page(
            conn, sa.select(activities).where(*where)
            .order_by(activities.c.occurred_at.desc(), activities.c.id.desc()), page, per_page)
        counts = dict(conn.execute(
            sa.select(activity_comments.c.activity_id, sa.func.count())
            .where(activity_comments.c.activity_id.in_([r.id for r in rows]))
            .group_by(activity_comments.c.activity_id)).all()) if rows else {}
    # comment_count (an addition): how many managers' comments each activity has
    return page_response([{**activity_json(r), "comment_count": counts.get(r.id, 0)} for r in rows],
                         total, page, per_page)


@bp.get("/activities/<activity_id>")
@api_doc(response=out.ActivityWithComments, summary="An activity with its comments")
def get_activity(activity_id: str) -> ResponseReturnValue:
    with service_context().engine.connect() as conn:
        row = commands.visible_activity(conn, principal(), path_id(activity_id, "activity"), read=True)
        comments = conn.execute(sa.select(activity_comments).where(activity_comments.c.activity_id == row.id)
                                .order_by(activity_comments.c.created_at, activity_comments.c.id).limit(200)).all()
    return jsonify({**activity_json(row), "comments": [comment_json(c) for c in comments]})


@bp.post("/activities/<activity_id>/comments")
@api_doc(body=CommentIn, response=out.Comment, status=201, summary="Comment on an activity")
def comment(activity_id: str) -> ResponseReturnValue:
    body = load(CommentIn())
    who = principal()
    c = commands.comment_on_activity(service_context(), event_context(), who, path_id(activity_id, "activity"),
                                     body["text"], COMMENTER_ROLES)
    return jsonify(comment_json(c)), 201


@bp.get("/activities/<activity_id>/comments")
@api_doc(page=out.Comment, summary="An activity's comments")
def list_comments(activity_id: str) -> ResponseReturnValue:
    page, per_page = page_args()
    with service_context().engine.connect() as conn:
        row = commands.visible_activity(conn, principal(), path_id(activity_id, "activity"), read=True)
        where = activity_comments.c.activity_id == row.id
        rows, total = count_and_page(
            conn, sa.select(activity_comments).where(where)
            .order_by(activity_comments.c.created_at, activity_comments.c.id), page, per_page)
    return page_response([comment_json(r) for r in rows], total, page, per_page)
