"""/contracts: drawn up from an order, review -> signed -> fulfilled, a PDF, attachments
(small files kept in the database, size limited by CONTRACT_ATTACHMENT_MAX_BYTES: 413
payload_too_large past it). An attachment's type is sniffed from its bytes (shared.files):
only PNG, JPEG, GIF, WebP and PDF keep theirs, anything else is stored and sent back as
application/octet-stream, always with nosniff and as an attachment (`?inline=1` lets the
safe types show in the browser)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, request
from marshmallow import Schema, fields, validate
from sqlalchemy.engine import Connection

from services.sales.api import answers as out
from services.sales.api.common import config, writer
from services.sales.api.quotes import customer_name
from services.sales.documents import contract_pdf
from services.sales.domain import contracts as rules
from services.sales.models import contract_attachments, contract_number_seq, contracts
from services.sales.ordering import new_number
from services.sales.orders_store import load_order
from services.sales.orders_store import view as order_view
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.fields import uuid_field
from shared.files import safe_filename, sniff_type
from shared.identity import Principal
from shared.openapi import FileUpload, api_doc
from shared.service import request_emitter, service_context
from shared.uploads import file_response, read_upload
from shared.visibility import can_see_customer, customer_filter, with_customer_names
from shared.web import count_and_page, load, page_args, page_response, path_id, principal, uuid_arg

bp = Blueprint("contracts", __name__)


class ContractCreate(Schema):
    order_id = uuid_field(required=True)
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=300))
    terms = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20000))


class ContractStatusChange(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("signed", "fulfilled")))


def snapshot(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "number": row["number"], "order_id": row["order_id"],
            "customer_id": row["customer_id"], "owner_id": row["owner_id"], "title": row["title"],
            "status": row["status"], "created_at": row["created_at"].isoformat()}


def view(row: dict[str, Any]) -> dict[str, Any]:
    out = snapshot(row)
    out["terms"] = row["terms"]
    for key in ("signed_at", "fulfilled_at", "updated_at"):
        out[key] = row[key].isoformat() if row[key] else None
    return out


def _publish(conn: Connection, event_type: str, row: dict[str, Any]) -> None:
    request_emitter(conn)(event_type, aggregate_type="contract", aggregate_id=row["id"], data=snapshot(row),
                  customer_id=row["customer_id"])


def _visible(conn: Connection, p: Principal, contract_id: str, *, lock: bool = False,
             read: bool = False) -> dict[str, Any]:
    query = sa.select(contracts).where(contracts.c.id == path_id(contract_id, "contract"))
    row = conn.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None or not can_see_customer(conn, p, row["customer_id"], "sales", read=read):
        raise NotFound("contract not found")
    return dict(row)


@bp.post("/contracts")
@api_doc(response=out.Contract, body=ContractCreate, status=201, summary="Draw up a contract from an order (one per order)", tags=["sales"])
def create():
    p = writer()
    body = load(ContractCreate())
    ctx = service_context()
    with ctx.engine.begin() as conn:
        order = load_order(conn, body["order_id"], lock=True)
        if order is None or not can_see_customer(conn, p, order["customer_id"], "sales"):
            raise ValidationFailed("unknown order", details={"order_id": ["no such order"]})
        if order["status"] not in rules.CONTRACTABLE_ORDER_STATUSES:
            raise Conflict(f"an order that is {order['status']} cannot get a contract", code="illegal_transition",
                           details={"status": order["status"]})
        existing = conn.execute(sa.select(contracts.c.id).where(contracts.c.order_id == order["id"])).scalar()
        if existing:
            raise Conflict("this order has a contract already", code="duplicate_contract",
                           details={"existing_id": existing})
        now = datetime.now(UTC)
        row = {"id": str(uuid.uuid4()), "number": new_number(conn, "HT", contract_number_seq),
               "order_id": order["id"], "customer_id": order["customer_id"], "owner_id": order["owner_id"],
               "title": body["title"] or f"销售合同（订单 {order['number']}）", "terms": body["terms"],
               "status": rules.REVIEW, "signed_at": None, "fulfilled_at": None, "created_at": now, "updated_at": now}
        conn.execute(sa.insert(contracts).values(**row))
        _publish(conn, "sales.contract.created", row)
    return jsonify(view(row)), 201


@bp.get("/contracts/<contract_id>")
@api_doc(response=out.Contract, summary="A contract", tags=["sales"])
def get(contract_id: str):
    with service_context().engine.connect() as conn:
        return jsonify(with_customer_names(conn, [view(_visible(conn, principal(), contract_id, read=True))])[0])


@bp.get("/contracts")
@api_doc(page=out.Contract, summary="Contracts (customer_id, order_id, owner_id, status)", tags=["sales"])
def list_():
    p = principal()
    page, per_page = page_args()
    status = request.args.get("status") or None
    if status and status not in rules.STATUSES:
        raise ValidationFailed("invalid status", details={"status": [f"one of {', '.join(rules.STATUSES)}"]})
    with service_context().engine.connect() as conn:
        where = [customer_filter(conn, p, contracts.c.customer_id, "sales", read=True)]
        for key in ("customer_id", "order_id", "owner_id"):
            value = uuid_arg(request.args.get(key), key)
            if value:
                where.append(contracts.c[key] == value)
        if status:
            where.append(contracts.c.status == status)
        page_rows, total = count_and_page(
            conn, sa.select(contracts).where(*where)
            .order_by(contracts.c.created_at.desc(), contracts.c.id.desc()), page, per_page)
        rows = [r._mapping for r in page_rows]
        items = with_customer_names(conn, [view(dict(r)) for r in rows])
    return page_response(items, total, page, per_page)


@bp.post("/contracts/<contract_id>/status")
@api_doc(response=out.Contract, body=ContractStatusChange, summary="review -> signed -> fulfilled; 409 otherwise", tags=["sales"])
def change_status(contract_id: str):
    p = writer()
    target = load(ContractStatusChange())["status"]
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = _visible(conn, p, contract_id, lock=True)
        try:
            rules.transition(row["status"], target)
        except rules.IllegalContractTransition as exc:
            raise Conflict(str(exc), code="illegal_transition",
                           details={"status": exc.status, "target": exc.target}) from None
        now = datetime.now(UTC)
        changes = {"status": target, "updated_at": now, f"{target}_at": now}
        conn.execute(sa.update(contracts).where(contracts.c.id == row["id"]).values(**changes))
        row.update(changes)
        _publish(conn, "sales.contract.updated", row)
    return jsonify(view(row))


@bp.get("/contracts/<contract_id>/pdf")
@api_doc(produces="application/pdf", summary="The contract as a PDF", tags=["sales"])
def pdf(contract_id: str):
    with service_context().engine.connect() as conn:
        row = _visible(conn, principal(), contract_id, read=True)
        order = load_order(conn, row["order_id"])
        name = customer_name(conn, row["customer_id"])
    assert order is not None
    data = contract_pdf(view(row), order_view(order), name, config().company_name)
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{row["number"]}.pdf"'})


def _attachment_view(r: Any) -> dict[str, Any]:
    return {"id": r.id, "contract_id": r.contract_id, "filename": r.filename, "content_type": r.content_type,
            "size": r.size, "uploaded_by": r.uploaded_by, "created_at": r.created_at.isoformat()}


@bp.post("/contracts/<contract_id>/attachments")
@api_doc(body=FileUpload, response=out.Attachment, status=201, content_type="multipart/form-data", summary="Attach a file (multipart field file; 413 above the size limit)", tags=["sales"])
def add_attachment(contract_id: str):
    p = writer()
    data, client_name = read_upload(config().attachment_max_bytes, what="the attachment")
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = _visible(conn, p, contract_id)
        values = {"id": str(uuid.uuid4()), "contract_id": row["id"], "filename": safe_filename(client_name),
                  "content_type": sniff_type(data), "size": len(data), "data": data, "uploaded_by": p.user_id}
        conn.execute(sa.insert(contract_attachments).values(**values))
        saved = conn.execute(sa.select(*[c for c in contract_attachments.c if c.name != "data"])
                             .where(contract_attachments.c.id == values["id"])).first()
    return jsonify(_attachment_view(saved)), 201


@bp.get("/contracts/<contract_id>/attachments")
@api_doc(page=out.Attachment, summary="A contract's attachments", tags=["sales"])
def list_attachments(contract_id: str):
    page, per_page = page_args()
    with service_context().engine.connect() as conn:
        row = _visible(conn, principal(), contract_id, read=True)
        where = contract_attachments.c.contract_id == row["id"]
        rows, total = count_and_page(
            conn, sa.select(*[c for c in contract_attachments.c if c.name != "data"]).where(where)
            .order_by(contract_attachments.c.created_at.desc(), contract_attachments.c.id), page, per_page)
    return page_response([_attachment_view(r) for r in rows], total, page, per_page)


@bp.get("/contracts/<contract_id>/attachments/<attachment_id>")
@api_doc(produces="application/octet-stream", summary="Download an attachment", tags=["sales"])
def download_attachment(contract_id: str, attachment_id: str):
    with service_context().engine.connect() as conn:
        row = _visible(conn, principal(), contract_id, read=True)
        att = conn.execute(sa.select(contract_attachments).where(
            contract_attachments.c.id == path_id(attachment_id, "attachment"),
            contract_attachments.c.contract_id == row["id"])).first()
    if att is None:
        raise NotFound("attachment not found")
    # the type comes from the bytes again (rows stored before sniffing kept the uploader's)
    return file_response(att.data, att.filename, inline=request.args.get("inline") in ("1", "true"))
