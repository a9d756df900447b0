"""Samples and loans to customers (stock out and back, per customer, customer visibility
applies) and material requisitions (stock issued for internal use). The writes are
services/inventory/commands/loans.py and commands/stock.py (requisitions)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate

from services.inventory.api import answers as out
from services.inventory.api.common import STOCK_WRITERS, Id, lines_field, str_ids
from services.inventory.commands import loans as commands
from services.inventory.commands import stock as stock_commands
from services.inventory.domain.stock import merge_lines
from services.inventory.models import loans, requisitions
from shared.errors import NotFound, ValidationFailed
from shared.fields import Date
from shared.openapi import api_doc
from shared.service import service_context
from shared.visibility import can_see_customer, customer_filter, with_customer_names
from shared.web import (
    count_and_page,
    event_context,
    iso,
    load,
    page_args,
    page_response,
    path_id,
    principal,
    require_role,
    uuid_arg,
)

bp = Blueprint("inventory_loans", __name__)
DOMAIN = commands.DOMAIN


class LoanIn(Schema):
    customer_id = Id(required=True)
    warehouse_id = Id(required=True)
    kind = fields.String(load_default="loan", validate=validate.OneOf(("sample", "loan")))
    lines = lines_field()
    due_date = Date(allow_none=True, load_default=None)
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=300))


class ReturnIn(Schema):
    lines = lines_field()


class RequisitionIn(Schema):
    warehouse_id = Id(required=True)
    lines = lines_field()
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=300))
    department = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=120))


def loan_body(row) -> dict[str, Any]:
    return {"id": row.id, "customer_id": row.customer_id, "warehouse_id": row.warehouse_id, "kind": row.kind,
            "status": row.status, "lines": row.lines, "due_date": iso(row.due_date), "note": row.note,
            "actor_id": row.actor_id, "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)}


@bp.post("/loans")
@api_doc(body=LoanIn, response=out.Loan, status=201, summary="Lend goods or give samples to a customer")
def create_loan():
    require_role(STOCK_WRITERS, "lend stock")
    data = load(LoanIn())
    merged = merge_lines(str_ids(data["lines"]))
    row = commands.lend(service_context(), event_context(), principal(), data, merged)
    return jsonify(loan_body(row)), 201


@bp.post("/loans/<loan_id>/returns")
@api_doc(body=ReturnIn, response=out.Loan, summary="Record goods returned from a loan")
def return_loan(loan_id: str):
    lid = path_id(loan_id, "loan")
    data = load(ReturnIn())
    back = merge_lines(str_ids(data["lines"]))
    return jsonify(loan_body(commands.take_back(service_context(), event_context(), principal(), lid, back)))


@bp.get("/loans")
@api_doc(page=out.Loan, summary="Loans (customer_id, warehouse_id, status)")
def list_loans():
    page, per_page = page_args()
    query = sa.select(loans)
    for arg in ("customer_id", "warehouse_id"):
        value = uuid_arg(request.args.get(arg), arg)
        if value:
            query = query.where(loans.c[arg] == value)
    status = request.args.get("status")
    if status:
        if status not in ("out", "partially_returned", "returned"):
            raise ValidationFailed("invalid status", details={"status": ["out, partially_returned or returned"]})
        query = query.where(loans.c.status == status)
    with service_context().engine.connect() as conn:
        query = query.where(customer_filter(conn, principal(), loans.c.customer_id, DOMAIN, read=True))
        rows, total = count_and_page(conn, query.order_by(loans.c.created_at.desc(), loans.c.id.desc()),
                                     page, per_page)
        items = with_customer_names(conn, [loan_body(r) for r in rows])
    return page_response(items, total, page, per_page)


_acl_customers = sa.table("acl_customers", sa.column("customer_id"), sa.column("name"), sa.column("status"))


@bp.get("/loans/customers")
@api_doc(page=out.LoanCustomer, summary="Customers goods may be lent to (q: part of the name): ids and names "
         "only, from this service's copy (warehouse and admin)")
def loan_customers():
    """Whom the warehouse may lend to: a name search over the customer copy; nothing else of
    the customer is disclosed (the warehouse sees names on its shipments already)."""
    require_role(STOCK_WRITERS, "lend stock")
    page, per_page = page_args()
    q = (request.args.get("q") or "").strip()
    if len(q) > 100:
        raise ValidationFailed("invalid filters", details={"q": ["must be at most 100 characters"]})
    query = sa.select(_acl_customers.c.customer_id.label("id"), _acl_customers.c.name).where(
        _acl_customers.c.status != "deleted")
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(_acl_customers.c.name.ilike(pattern, escape="\\"))
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(conn, query.order_by(_acl_customers.c.name, _acl_customers.c.customer_id),
                                     page, per_page)
    return page_response([{"id": r.id, "name": r.name} for r in rows], total, page, per_page)


@bp.get("/loans/<loan_id>")
@api_doc(response=out.Loan, summary="A loan")
def get_loan(loan_id: str):
    lid = path_id(loan_id, "loan")
    with service_context().engine.connect() as conn:
        row = conn.execute(sa.select(loans).where(loans.c.id == lid)).first()
        if row is None or not can_see_customer(conn, principal(), row.customer_id, DOMAIN, read=True):
            raise NotFound("loan not found")
    return jsonify(loan_body(row))


# ---- requisitions ------------------------------------------------------------------

def requisition_body(row) -> dict[str, Any]:
    return {"id": row.id, "warehouse_id": row.warehouse_id, "department": row.department, "purpose": row.purpose,
            "lines": row.lines, "actor_id": row.actor_id, "created_at": iso(row.created_at)}


@bp.post("/requisitions")
@api_doc(body=RequisitionIn, response=out.Requisition, status=201, summary="Take goods out for internal use")
def create_requisition():
    require_role(STOCK_WRITERS, "issue material")
    data = load(RequisitionIn())
    merged = merge_lines(str_ids(data["lines"]))

    row = stock_commands.issue_material(service_context(), event_context(), principal(), data, merged)
    return jsonify(requisition_body(row)), 201


@bp.get("/requisitions")
@api_doc(page=out.Requisition, summary="Requisitions (warehouse_id)")
def list_requisitions():
    page, per_page = page_args()
    query = sa.select(requisitions)
    wid = uuid_arg(request.args.get("warehouse_id"), "warehouse_id")
    if wid:
        query = query.where(requisitions.c.warehouse_id == wid)
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(
            conn, query.order_by(requisitions.c.created_at.desc(), requisitions.c.id.desc()), page, per_page)
    return page_response([requisition_body(r) for r in rows], total, page, per_page)


@bp.get("/requisitions/<requisition_id>")
@api_doc(response=out.Requisition, summary="A requisition")
def get_requisition(requisition_id: str):
    rid = path_id(requisition_id, "requisition")
    with service_context().engine.connect() as conn:
        row = conn.execute(sa.select(requisitions).where(requisitions.c.id == rid)).first()
    if row is None:
        raise NotFound("requisition not found")
    return jsonify(requisition_body(row))
