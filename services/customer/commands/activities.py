"""Activity commands: log a call, visit, email, meeting or note on a customer the caller may
fill in; a manager's (or admin's) comment on an activity."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.customer.access import require_customer_field, visible_record
from services.customer.api.common import aware
from services.customer.commands import lead_handling
from services.customer.models import activities, activity_comments, contacts
from shared.errors import ValidationFailed
from shared.identity import Principal
from shared.outbox import Emitter, EventContext
from shared.service import ServiceContext
from shared.web import iso, require_role


def visible_activity(conn: Connection, p: Principal, activity_id: str, *, read: bool = False) -> Row:
    """An activity of a customer the caller sees, or of a lead not yet converted that the
    caller sees (404 otherwise)."""
    row = conn.execute(sa.select(activities.c.customer_id, activities.c.lead_id)
                       .where(activities.c.id == activity_id)).first()
    if row is not None and row.customer_id is None and row.lead_id is not None:
        lead_handling.lead_of_activity(conn, p, row)
        return conn.execute(sa.select(activities).where(activities.c.id == activity_id)).one()
    return visible_record(conn, p, activities, activity_id, "activity", read=read)


def log_activity(ctx: ServiceContext, events: EventContext, p: Principal, body: Mapping[str, Any]) -> Row:
    """customer.activity.logged; the contact, when given, must be the customer's."""
    with ctx.transaction(events) as (conn, emit):
        customer = require_customer_field(conn, p, body["customer_id"])
        return insert_activity(conn, emit, p, customer.id, body)


def insert_activity(conn: Connection, emit: Emitter, p: Principal, customer_id: str, body: Mapping[str, Any]) -> Row:
    """The activity and its event in the caller's transaction, on a customer the caller was
    checked to fill in (log_activity; a task completed with its activity)."""
    if body.get("contact_id"):
        owner = conn.execute(sa.select(contacts.c.customer_id).where(contacts.c.id == body["contact_id"])).scalar()
        if owner != customer_id:
            raise ValidationFailed("unknown contact", details={"contact_id": ["not a contact of this customer"]})
    occurred = aware(body["occurred_at"]) if body.get("occurred_at") else dt.datetime.now(dt.UTC)
    row = conn.execute(activities.insert().values(
        id=str(uuid.uuid4()), customer_id=customer_id, contact_id=body.get("contact_id"), kind=body["kind"],
        summary=body["summary"].strip(), occurred_at=occurred, author_id=p.user_id,
    ).returning(*activities.c)).one()
    emit("customer.activity.logged", aggregate_type="activity", aggregate_id=row.id, customer_id=customer_id,
         data={"id": row.id, "customer_id": row.customer_id, "contact_id": row.contact_id,
               "kind": row.kind, "summary": row.summary, "occurred_at": iso(row.occurred_at),
               "author_id": row.author_id})
    return row


def comment_on_activity(ctx: ServiceContext, events: EventContext, p: Principal, activity_id: str, text: str,
                        commenters: Collection[str]) -> Row:
    """A comment by one of `commenters` (404 for an activity the caller does not see, before
    the role check); customer.activity.commented (the activity's author hears of it)."""
    with ctx.transaction(events) as (conn, emit):
        row = visible_activity(conn, p, activity_id)
        if row.customer_id is None:
            raise lead_handling.no_customer_yet()
        require_role(commenters, "comment on activities (managers reply to their reps' logs)", who=p)
        c = conn.execute(activity_comments.insert().values(
            id=str(uuid.uuid4()), activity_id=row.id, text=text.strip(), author_id=p.user_id,
        ).returning(*activity_comments.c)).one()
        emit("customer.activity.commented", aggregate_type="activity", aggregate_id=row.id,
             customer_id=row.customer_id,
             data={"id": c.id, "activity_id": row.id, "customer_id": row.customer_id,
                   "activity_author_id": row.author_id, "text": c.text, "author_id": p.user_id})
    return c
