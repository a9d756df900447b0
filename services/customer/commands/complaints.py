"""Complaint commands: file one and assign it, change its status or assignee. The assignee
(any active user) holds the complaint's assignment grant (services/customer/assignments.py):
access to the complaint and read access to its customer."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.customer.access import (
    load_customer,
    require_customer_field,
    require_user,
    visible_record,
)
from services.customer.assignments import assign
from services.customer.domain.rules import complaint_transition_allowed
from services.customer.models import complaints
from shared.errors import Conflict
from shared.identity import Principal
from shared.outbox import Emitter, EventContext
from shared.service import ServiceContext


def _snapshot(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in ("id", "customer_id", "subject", "description", "assignee_id", "status",
                                         "created_by")}


def _check_assignee(conn: Connection, assignee_id: str) -> None:
    """Any active user may be assigned (the assignment itself gives them access); an
    unknown or inactive one is 422."""
    require_user(conn, assignee_id, "assignee_id")


def _grant(conn: Connection, emit: Emitter, row: Any) -> None:
    """The assignee (only) holds the complaint's assignment grant."""
    assign(conn, emit.outbox, emit.context, record_type="complaint", record_id=row.id,
           customer_id=row.customer_id, label=row.subject, assignees=[row.assignee_id])


def _emit(emit: Emitter, event_type: str, row: Any, **extra: Any) -> None:
    emit(event_type, aggregate_type="complaint", aggregate_id=row.id, customer_id=row.customer_id,
         data={**_snapshot(row), **extra})


def visible_complaint(conn: Connection, p: Principal, complaint_id: str, *, for_update: bool = False,
                      write: bool = False) -> Row:
    """The complaint if the caller may read its customer (404 otherwise). With write=True
    the caller must also be its assignee or have write access to its customer (403 for
    someone who may only read it)."""
    row = visible_record(conn, p, complaints, complaint_id, "complaint", for_update=for_update, read=True)
    if write and row.assignee_id != p.user_id:
        load_customer(conn, p, row.customer_id)  # 403 when the caller may only read
    return row


def file_complaint(ctx: ServiceContext, events: EventContext, p: Principal, body: Mapping[str, Any]) -> Row:
    """customer.complaint.created and .assigned, and the assignee's grant."""
    with ctx.transaction(events) as (conn, emit):
        customer = require_customer_field(conn, p, body["customer_id"])
        _check_assignee(conn, body["assignee_id"])
        row = conn.execute(complaints.insert().values(
            id=str(uuid.uuid4()), customer_id=customer.id, subject=body["subject"].strip(),
            description=body.get("description"), assignee_id=body["assignee_id"], status="open",
            created_by=p.user_id,
        ).returning(*complaints.c)).one()
        _emit(emit, "customer.complaint.created", row)
        _emit(emit, "customer.complaint.assigned", row)
        _grant(conn, emit, row)
    return row


def update_complaint(ctx: ServiceContext, events: EventContext, p: Principal, complaint_id: str,
                     body: Mapping[str, Any]) -> Row:
    """open -> in_progress -> resolved (409 illegal_transition otherwise); a new assignee
    takes over the grant (not for a resolved complaint)."""
    with ctx.transaction(events) as (conn, emit):
        row = visible_complaint(conn, p, complaint_id, for_update=True, write=True)
        previous = row.status
        new_status = body.get("status", previous)
        if "status" in body and not complaint_transition_allowed(previous, new_status):
            raise Conflict(f"a complaint cannot go from {previous} to {new_status}", code="illegal_transition",
                           details={"from": previous, "to": new_status})
        reassigned = body.get("assignee_id") not in (None, row.assignee_id)
        if reassigned:
            if previous == "resolved":
                raise Conflict("a resolved complaint cannot be reassigned", code="illegal_transition")
            _check_assignee(conn, body["assignee_id"])
        row = conn.execute(complaints.update().where(complaints.c.id == row.id).values(
            status=new_status, assignee_id=body["assignee_id"] if reassigned else row.assignee_id,
            updated_at=sa.func.now(),
            resolved_at=sa.func.now() if new_status == "resolved" else None,
        ).returning(*complaints.c)).one()
        if new_status != previous:
            _emit(emit, "customer.complaint.status_changed", row, previous_status=previous)
        if reassigned:
            _emit(emit, "customer.complaint.assigned", row)
            _grant(conn, emit, row)
    return row
