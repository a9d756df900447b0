"""Complaints: assigned to any active user, which gives the assignee access to the complaint
and read access to its customer (an assignment grant, services/customer/assignments.py);
open -> in_progress -> resolved. The writes are services/customer/commands/complaints.py."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from services.customer.access import (
    customer_clause,
)
from services.customer.api import answers as out
from services.customer.api.common import text
from services.customer.commands import complaints as commands
from services.customer.models import complaints
from shared.errors import ValidationFailed
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


@bp.post("/complaints")
@api_doc(body=ComplaintIn, response=out.Complaint, status=201, summary="File a complaint and assign it")
def create_complaint() -> ResponseReturnValue:
    body = load(ComplaintIn())
    row = commands.file_complaint(service_context(), event_context(), principal(), body)
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


@bp.get("/complaints/<complaint_id>")
@api_doc(response=out.Complaint, summary="A complaint")
def get_complaint(complaint_id: str) -> ResponseReturnValue:
    with service_context().engine.connect() as conn:
        return jsonify(complaint_json(commands.visible_complaint(conn, principal(), path_id(complaint_id, "complaint"))))


@bp.patch("/complaints/<complaint_id>")
@api_doc(body=ComplaintPatch, response=out.Complaint, summary="Change a complaint's status or assignee")
def update_complaint(complaint_id: str) -> ResponseReturnValue:
    body = load(ComplaintPatch())
    if not body:
        raise ValidationFailed("nothing to change", details={"status": ["give status and/or assignee_id"]})
    row = commands.update_complaint(service_context(), event_context(), principal(),
                                    path_id(complaint_id, "complaint"), body)
    return jsonify(complaint_json(row))
