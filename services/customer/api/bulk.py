"""Bulk changes: POST /customers/bulk (queued, 202 {"job_id"}), GET /jobs/{id} and GET /jobs
(progress of the caller's bulk changes, their undos and, by id, imports), POST /jobs/{id}/undo.
The writes are services/customer/commands/bulk.py; the worker services/customer/bulk_worker.py."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, g, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields

from services.customer.api.answers import ImportJob
from services.customer.api.customer_filters import filters
from services.customer.api.transfer_files import JOB_COLUMNS, job_json
from services.customer.commands import bulk as commands
from services.customer.domain import bulk as rules
from services.customer.models import bulk_jobs, import_jobs
from shared.answers import anything, ident, integer, status
from shared.errors import NotFound, ValidationFailed
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import count_and_page, iso, json_body, page_args, page_response, path_id, principal

bp = Blueprint("bulk", __name__)


class BulkSet(Schema):
    owner_id = fields.String(metadata={"description": "the new owner (who may transfer, to whom: as a transfer)"})
    category = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "active or lost"})
    lost_reason = fields.String(metadata={"description": "required with status lost"})
    custom_fields = fields.Dict(metadata={"description": "fields to set (null removes one)"})


class BulkIn(Schema):
    ids = fields.List(fields.String(), metadata={"description": "customers by id (or filter)"})
    filter = fields.Dict(metadata={"description": "the customer list's filters: " + ", ".join(rules.FILTER_KEYS)})
    set = fields.Nested(BulkSet, required=True)
    share_with = fields.String(metadata={"description": "also share every customer with this user"})


class BulkQueued(Schema):
    job_id = ident()
    status = status("queued", "done")
    total = integer()


class Job(ImportJob):
    """A bulk change, its undo, or an import (then the import's own fields, as GET /imports/{id})."""
    kind = status("bulk", "undo", "import", "handover")
    status = status("queued", "running", "done", "failed", "undo_queued", "undoing", "undone")
    changed = integer()
    set = anything(description="the bulk change's values")
    share_with = anything(description="the users the bulk change shares with")
    target = anything(description="the ids or the list filter the bulk change reached")
    undo_of = ident(nullable=True)
    undone_by = ident(nullable=True)
    handover = anything(description="a hand-over: from_user_id, to_user_id and the leads, tasks and "
                                    "opportunities moved (null until that part is done)")


def bulk_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "status": row.status, "total": row.total, "processed": row.processed,
            "changed": row.changed, "errors": row.errors, "error_count": row.error_count, "message": row.message,
            "set": row.changes.get("set", {}), "share_with": row.changes.get("share_with"), "target": row.target,
            "undo_of": row.undo_of, "undone_by": row.undone_by, "created_by": row.created_by,
            "created_at": iso(row.created_at), "finished_at": iso(row.finished_at),
            "handover": row.changes.get("handover")}


def _mine(table: sa.Table):
    who = principal()
    return sa.true() if who.is_admin else table.c.created_by == who.user_id


def _filter_conditions(conn: sa.Connection, flt: dict[str, Any]) -> list:
    """The customer list's conditions for these filters, read exactly as GET /customers reads
    its query string (api/customer_filters.py), so a bulk change reaches what the list shows."""
    query = {k: v for k, v in flt.items() if k in rules.FILTER_KEYS and isinstance(v, str) and v != ""}
    with current_app.test_request_context(query_string=query):
        return filters(conn, principal())


@bp.post("/customers/bulk")
@api_doc(body=BulkIn, response=BulkQueued, status=202,
         summary="Change many customers at once (ids or the list's filters), as a background job")
def start_bulk() -> ResponseReturnValue:
    body = json_body()
    where = None
    if isinstance(body.get("filter"), dict) and "ids" not in body:
        errors = rules.check_target(body)
        if errors:
            raise ValidationFailed("invalid bulk change", details=errors)
        with service_context().engine.connect() as conn:
            where = _filter_conditions(conn, body["filter"])
    answer = commands.queue_bulk(service_context(), principal(), body, where, g.get("request_id"))
    return jsonify(answer), 202


@bp.post("/jobs/<job_id>/undo")
@api_doc(response=BulkQueued, status=202, summary="Undo a finished bulk change as one step (a background job)")
def undo(job_id: str) -> ResponseReturnValue:
    answer = commands.queue_undo(service_context(), principal(), path_id(job_id, "job"), g.get("request_id"))
    return jsonify(answer), 202


@bp.get("/jobs/<job_id>")
@api_doc(response=Job, summary="A background job: a bulk change, its undo or an import")
def get_job(job_id: str) -> ResponseReturnValue:
    jid = path_id(job_id, "job")
    with service_context().engine.connect() as conn:
        row = conn.execute(sa.select(bulk_jobs).where(bulk_jobs.c.id == jid, _mine(bulk_jobs))).first()
        if row is not None:
            return jsonify(bulk_json(row))
        imported = conn.execute(sa.select(*JOB_COLUMNS).where(import_jobs.c.id == jid, _mine(import_jobs))).first()
    if imported is None:
        raise NotFound("job not found")
    return jsonify({**job_json(imported), "kind": "import"})


@bp.get("/jobs")
@api_doc(page=Job, summary="The caller's bulk changes and their undos, newest first (an admin: everyone's)")
def list_jobs() -> ResponseReturnValue:
    page, per_page = page_args()
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(
            conn, sa.select(bulk_jobs).where(_mine(bulk_jobs))
            .order_by(bulk_jobs.c.created_at.desc(), bulk_jobs.c.id.desc()), page, per_page)
    return page_response([bulk_json(r) for r in rows], total, page, per_page)

