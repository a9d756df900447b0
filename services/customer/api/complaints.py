"""Complaints: assigned to any active user, which gives the assignee access to the complaint
and read access to its customer (an assignment grant, services/customer/assignments.py);
open -> in_progress -> resolved."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from services.customer.access import (
    customer_clause,
    load_customer,
    require_customer_field,
    require_user,
)
from services.customer.api import answers as out
from services.customer.api.common import text
from services.customer.assignments import assign
from services.customer.domain.rules import complaint_transition_allowed
from services.customer.models import complaints
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.events.customer import COMPLAINT_STATUSES
from shared.fields import uuid_field
from shared.openapi import api_doc
from shared.service import service_context
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

bp = Blueprint("complaints", __name__)


class ComplaintIn(Schema):
    customer_id = uuid_field(required=True)
    subject = text(300, required=True)
    description = text(5000)
    assignee_id = uuid_field(required=True)


class ComplaintPatch(Schema):
    status = fields.String(validate=validate.OneOf(COMPLAINT_STATUSES))
    assignee_id = uuid_field()


def complaint_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "customer_id": row.customer_id, "subject": row.subject, "description": row.description,
            "assignee_id": row.assignee_id, "status": row.status, "created_by": row.created_by,
            "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
            "resolved_at": iso(row.resolved_at)}


def _snapshot(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in ("id", "customer_id", "subject", "description", "assignee_id", "status",
                                         "created_by")}


def _check_assignee(conn, assignee_id: str) -> None:
    """Any active user may be assigned (the assignment itself gives them access); an
    unknown or inactive one is 422."""
    require_user(conn, assignee_id, "assignee_id")


def _grant(conn, ctx, row: Any) -> None:
    """The assignee (only) holds the complaint's assignment grant."""
    assign(conn, ctx.outbox, event_context(), record_type="complaint", record_id=row.id,
           customer_id=row.customer_id, label=row.subject, assignees=[row.assignee_id])


def _emit(conn, ctx, event_type: str, row: Any, **extra: Any) -> None:
    ctx.outbox.add(conn, event_context(), event_type, aggregate_type="complaint", aggregate_id=row.id,
                   customer_id=row.customer_id, data={**_snapshot(row), **extra})


@bp.post("/complaints")
@api_doc(body=ComplaintIn, response=out.Complaint, status=201, summary="File a complaint and assign it")
def create_complaint() -> ResponseReturnValue:
    body = load(ComplaintIn())
    ctx = service_context()
    with ctx.engine.begin() as conn:
        customer = require_customer_field(conn, principal(), body["customer_id"])
        _check_assignee(conn, body["assignee_id"])
        row = conn.execute(complaints.insert().values(
            id=str(uuid.uuid4()), customer_id=customer.id, subject=body["subject"].strip(),
            description=body.get("description"), assignee_id=body["assignee_id"], status="open",
            created_by=principal().user_id,
        ).returning(*complaints.c)).one()
        _emit(conn, ctx, "customer.complaint.created", row)
        _emit(conn, ctx, "customer.complaint.assigned", row)
        _grant(conn, ctx, row)
    return jsonify(complaint_json(row)), 201


@bp.get("/complaints")
@api_doc(page=out.Complaint, summary="Complaints (customer_id, assignee_id, status)")
def list_complaints() -> ResponseReturnValue:
    page, per_page = page_args()
    args = request.args
    if args.get("status") and args["status"] not in COMPLAINT_STATUSES:
        raise ValidationFailed("invalid filters", details={"status": [f"must be one of {', '.join(COMPLAINT_STATUSES)}"]})
    ctx = service_context()
    with ctx.engine.connect() as conn:
        where = [customer_clause(conn, principal(), complaints.c.customer_id, read=True)]
        for name in ("customer_id", "assignee_id"):
            value = uuid_arg(args.get(name), name)
            if value:
                where.append(complaints.c[name] == value)
        if args.get("status"):
            where.append(complaints.c.status == args["status"])
        rows, total = count_and_page(
            conn, sa.select(complaints).where(*where)
            .order_by(complaints.c.created_at.desc(), complaints.c.id.desc()), page, per_page)
    return page_response([complaint_json(r) for r in rows], total, page, per_page)


def _visible(conn, complaint_id: str, *, for_update: bool = False, write: bool = False):
    """The complaint if the caller may read its customer (404 otherwise). With write=True
    the caller must also be its assignee or have write access to its customer (403 for
    someone who may only read it)."""
    query = sa.select(complaints).where(complaints.c.id == path_id(complaint_id, "complaint"))
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound("complaint not found")
    try:
        load_customer(conn, principal(), row.customer_id, read=True)
    except NotFound:
        raise NotFound("complaint not found") from None
    if write and row.assignee_id != principal().user_id:
        load_customer(conn, principal(), row.customer_id)  # 403 when the caller may only read
    return row


@bp.get("/complaints/<complaint_id>")
@api_doc(response=out.Complaint, summary="A complaint")
def get_complaint(complaint_id: str) -> ResponseReturnValue:
    with service_context().engine.connect() as conn:
        return jsonify(complaint_json(_visible(conn, complaint_id)))


@bp.patch("/complaints/<complaint_id>")
@api_doc(body=ComplaintPatch, response=out.Complaint, summary="Change a complaint's status or assignee")
def update_complaint(complaint_id: str) -> ResponseReturnValue:
    body = load(ComplaintPatch())
    if not body:
        raise ValidationFailed("nothing to change", details={"status": ["give status and/or assignee_id"]})
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = _visible(conn, complaint_id, for_update=True, write=True)
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
            _emit(conn, ctx, "customer.complaint.status_changed", row, previous_status=previous)
        if reassigned:
            _emit(conn, ctx, "customer.complaint.assigned", row)
            _grant(conn, ctx, row)
    return jsonify(complaint_json(row))
