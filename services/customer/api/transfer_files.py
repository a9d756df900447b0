"""Batch import (POST /imports/customers, GET /imports[/{id}]) and export
(GET /exports/customers?format=csv|xlsx with the list's filters).

The import is queued by services/customer/commands/imports.py. Uploads are capped (shared.tabular.ImportLimits: 413 payload_too_large past the byte cap, or a
CSV past the row cap, before a job is queued; 422 for an XLSX that is no zip or declares a
DTD/entities). Exports go through the shared writers (formula-like text neutralised)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from services.customer.api import answers as out
from services.customer.api.common import field_defs
from services.customer.api.customers import list_conditions
from services.customer.commands import imports as commands
from services.customer.domain import importfile
from services.customer.domain.importfile import COLUMNS, MappingProblem
from services.customer.domain.rules import CUSTOMER_CREATORS
from services.customer.models import contacts, customers, import_jobs
from services.customer.store import public_status
from shared import tabular
from shared.errors import NotFound, ValidationFailed
from shared.files import safe_filename
from shared.import_mapping import KINDS
from shared.openapi import FileUpload, api_doc
from shared.service import service_context
from shared.uploads import form_choice, form_mapping, read_upload, table_error, table_response
from shared.web import (
    count_and_page,
    iso,
    page_args,
    page_response,
    path_id,
    principal,
    require_role,
)

bp = Blueprint("transfer_files", __name__)
MAX_EXPORT_ROWS = 200_000
EXPORT_COLUMNS = ("id", *COLUMNS, "owner_id", "status", "created_at")


def job_json(row: Any) -> dict[str, Any]:
    errors = [{k: v for k, v in e.items() if k != "cells"} for e in (row.errors or [])]
    return {"id": row.id, "status": row.status, "kind": row.kind, "mode": row.mode, "match_on": row.match_on,
            "total": row.total, "processed": row.processed,
            "created": row.created, "updated": row.updated, "duplicates": row.duplicates, "errors": errors,
            "error_count": row.error_count, "undone": row.undone, "message": row.message,
            "error_file": f"/imports/{row.id}/error_file" if row.error_count else None,
            "filename": row.filename, "owner_id": row.owner_id, "created_by": row.created_by,
            "created_at": iso(row.created_at), "finished_at": iso(row.finished_at), "undone_at": iso(row.undone_at)}


def _custom_field_names() -> list[str]:
    with service_context().engine.connect() as conn:
        return list(field_defs(conn))




def _mapping_error(exc: MappingProblem) -> ValidationFailed:
    return ValidationFailed(str(exc), details={"mapping": exc.details})


def _queue(kind: str) -> ResponseReturnValue:
    limits = tabular.ImportLimits.from_env()
    content, client_name = read_upload(limits.max_bytes)
    filename = safe_filename(client_name, default="import")
    mapping = form_mapping()
    if kind == "customers":
        mode = form_choice("mode", commands.MODES, "create")
        match_on = form_choice("match_on", commands.MATCH_KEYS, "name")
    else:
        mode = form_choice("mode", ("create",), "create")
        match_on = "name"
    header = None
    try:
        tabular.check_upload(content, filename, limits)
        if mapping is not None:  # checked now (422), against the file's header
            header = importfile.preview(content, filename, limits, rows=0, kind=kind, mapping=mapping,
                                        custom_fields=_custom_field_names() if kind == "customers" else ())["columns"]
    except MappingProblem as exc:
        raise _mapping_error(exc) from None
    except tabular.TableError as exc:
        raise table_error(exc) from None
    job_id = commands.queue_import(service_context(), principal(), filename, content, g.get("request_id"),
                                   kind=kind, mapping=mapping, mode=mode, match_on=match_on, header=header)
    return jsonify({"id": job_id, "status": "queued"}), 202


@bp.post("/imports/customers")
@api_doc(body=FileUpload, content_type="multipart/form-data", response=out.ImportQueued, status=202,
         summary="Import customers from a CSV, TSV or XLSX file (queued): `mapping`? (JSON {column: field or null}), "
                 "`mode`? create/upsert, `match_on`? name/phone/email/external_id")
def start_import() -> ResponseReturnValue:
    require_role(CUSTOMER_CREATORS, "import customers")
    return _queue("customers")


@bp.post("/imports/leads")
@api_doc(body=FileUpload, content_type="multipart/form-data", response=out.ImportQueued, status=202,
         summary="Import leads from a CSV, TSV or XLSX file (queued; mode create: a lead with the e-mail or "
                 "phone of another is a duplicate): `mapping`? (JSON {column: field or null})")
def start_lead_import() -> ResponseReturnValue:
    require_role(CUSTOMER_CREATORS, "import leads")
    return _queue("leads")


@bp.post("/imports/preview")
@api_doc(body=FileUpload, content_type="multipart/form-data", response=out.ImportFilePreview,
         summary="How a file would be imported (nothing is): columns, the detected (or the given) mapping, "
                 "the first 10 rows, encoding and delimiter; `kind` customers/leads/products/opening-balances")
def preview_file() -> ResponseReturnValue:
    kind = form_choice("kind", KINDS, "customers")
    if kind in ("customers", "leads"):  # products and opening balances: their services decide on the import
        require_role(CUSTOMER_CREATORS, f"import {kind}")
    limits = tabular.ImportLimits.from_env()
    content, client_name = read_upload(limits.max_bytes)
    filename = safe_filename(client_name, default="import")
    try:
        tabular.check_upload(content, filename, limits)
        return jsonify(importfile.preview(content, filename, limits, kind=kind, mapping=form_mapping(),
                                          custom_fields=_custom_field_names() if kind == "customers" else ()))
    except MappingProblem as exc:
        raise _mapping_error(exc) from None
    except tabular.TableError as exc:
        raise table_error(exc) from None


@bp.post("/imports/customers/preview")
@api_doc(body=FileUpload, content_type="multipart/form-data", response=out.ImportPreview,
         summary="What importing a CSV or XLSX file would read: header, recognised columns, first rows (imports nothing)")
def preview_import() -> ResponseReturnValue:
    """The header, the columns it fills and the first rows of a file, before importing it."""
    require_role(CUSTOMER_CREATORS, "import customers")
    limits = tabular.ImportLimits.from_env()
    content, client_name = read_upload(limits.max_bytes)
    filename = safe_filename(client_name, default="import")
    try:
        tabular.check_upload(content, filename, limits)
        return jsonify(importfile.legacy_preview(importfile.preview(content, filename, limits, rows=5)))
    except tabular.TableError as exc:
        raise table_error(exc) from None


JOB_COLUMNS = [c for c in import_jobs.c if c.name != "content"]  # never ship the file back


def _job_filter():
    who = principal()
    return sa.true() if who.is_admin else import_jobs.c.created_by == who.user_id


@bp.get("/imports/<job_id>")
@api_doc(response=out.ImportJob, summary="An import job")
def get_import(job_id: str) -> ResponseReturnValue:
    return jsonify(job_json(_job_row(job_id)))


def _job_row(job_id: str) -> Any:
    with service_context().engine.connect() as conn:
        row = conn.execute(sa.select(*JOB_COLUMNS).where(import_jobs.c.id == path_id(job_id, "import"),
                                                        _job_filter())).first()
    if row is None:
        raise NotFound("import not found")
    return row


@bp.get("/imports/<job_id>/error_file")
@api_doc(produces=("text/csv",), summary="An import's failed rows as CSV: the file's columns and an error column")
def error_file(job_id: str) -> ResponseReturnValue:
    row = _job_row(job_id)
    header = list(row.header or [])
    width = max([len(header)] + [len(e.get("cells") or []) for e in row.errors or []])
    header = header + [f"column {i + 1}" for i in range(len(header), width)]

    def lines() -> Iterator[list[Any]]:
        for e in row.errors or []:
            cells = list(e.get("cells") or [])
            where = f"row {e.get('row')}" + (f", {e['column']}" if e.get("column") else "")
            yield (cells + [""] * width)[:width] + [f"{where}: {e.get('message')}"]

    return table_response("csv", f"import-errors-{row.id[:8]}", [*header, "error"], lines())


@bp.post("/imports/<job_id>/undo")
@api_doc(response=out.ImportQueued, status=202,
         summary="Undo an import as one step: what it created is deleted, what it updated restored (queued)")
def undo_import(job_id: str) -> ResponseReturnValue:
    require_role(CUSTOMER_CREATORS, "undo an import")
    return jsonify(commands.queue_undo(service_context(), principal(), path_id(job_id, "import"))), 202


@bp.get("/imports")
@api_doc(page=out.ImportJob, summary="Import jobs")
def list_imports() -> ResponseReturnValue:
    page, per_page = page_args()
    with service_context().engine.connect() as conn:
        where = _job_filter()
        rows, total = count_and_page(
            conn, sa.select(*JOB_COLUMNS).where(where)
            .order_by(import_jobs.c.created_at.desc(), import_jobs.c.id.desc()), page, per_page)
    return page_response([job_json(r) for r in rows], total, page, per_page)


def _export_rows(where: list) -> Iterator[list[Any]]:
    """Customers (newest first) with their first contact, in chunks through a server-side cursor."""
    engine = service_context().engine
    first_contact = (
        sa.select(contacts.c.name, contacts.c.phone, contacts.c.email)
        .where(contacts.c.customer_id == customers.c.id)
        .order_by(contacts.c.is_decision_maker.desc(), contacts.c.created_at, contacts.c.id)
        .limit(1).lateral("fc")
    )
    query = (sa.select(customers, first_contact.c.name.label("contact_name"),
                       first_contact.c.phone.label("contact_phone"), first_contact.c.email.label("contact_email"))
             .select_from(customers.outerjoin(first_contact, sa.true()))
             .where(*where).order_by(customers.c.created_at.desc(), customers.c.id.desc()).limit(MAX_EXPORT_ROWS))
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=2000).execute(query)
        for r in result:
            yield [r.id, r.name, r.industry, r.phone, r.address, r.category, r.contact_name, r.contact_phone,
                   r.contact_email, r.owner_id, public_status(r), iso(r.created_at)]


@bp.get("/exports/customers")
@api_doc(produces=("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), summary="Export customers as CSV or XLSX (the list's filters, format)")
def export_customers() -> ResponseReturnValue:
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise ValidationFailed("invalid format", details={"format": ["must be csv or xlsx"]})
    with service_context().engine.connect() as conn:
        where = list_conditions(conn, principal())
    return table_response(fmt, "customers", EXPORT_COLUMNS, _export_rows(where))
