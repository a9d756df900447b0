"""/orders: create, read, list, edit (issue 16), approve, reject, cancel, close."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate
from sqlalchemy.engine import Connection

from services.sales import ordering, project_store
from services.sales.api import answers as out
from services.sales.api.common import (
    MAX_LINES,
    LineSchema,
    MoneyField,
    PctField,
    config,
    customer_name_match,
    like_pattern,
    require_customer,
    search_arg,
    sort_arg,
    writer,
)
from services.sales.domain.orders import FEE_KINDS, SHIPPING_STATUSES, STATUSES
from services.sales.models import orders
from services.sales.orders_store import load_lines_for, load_order, view
from services.sales.pricing import price_fees, price_lines, stock_warnings
from services.sales.quote_store import priced_view
from shared.errors import NotFound, ValidationFailed
from shared.fields import Date, uuid_field
from shared.identity import Principal
from shared.money import fmt
from shared.openapi import api_doc
from shared.service import request_emitter, service_context
from shared.visibility import (
    can_see_customer,
    customer_filter,
    granted_customer_ids,
    has_grant,
    with_customer_names,
)
from shared.web import count_and_page, load, page_args, page_response, path_id, principal, uuid_arg

bp = Blueprint("orders", __name__)


class OrderLineIn(LineSchema):
    delivery_date = Date(load_default=None, allow_none=True)  # this line's own requested date (issue 16)


class FeeIn(Schema):
    """A fee beside the lines (issue 16): freight, installation or other; amount is net."""
    kind = fields.String(required=True, validate=validate.OneOf(FEE_KINDS))
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    amount = MoneyField(required=True)
    tax_rate = PctField(load_default=None, allow_none=True)


MAX_FEES = 20


def order_lines_field(**kw: Any) -> fields.List:
    return fields.List(fields.Nested(OrderLineIn), validate=validate.Length(min=1, max=MAX_LINES), **kw)


def fees_field(**kw: Any) -> fields.List:
    return fields.List(fields.Nested(FeeIn), validate=validate.Length(max=MAX_FEES), **kw)


class OrderCreate(Schema):
    customer_id = uuid_field(required=True)
    lines = order_lines_field(required=True)
    warehouse_id = uuid_field(load_default=None, allow_none=True)
    fees = fees_field(load_default=list)
    delivery_date = Date(load_default=None, allow_none=True)


class OrderExtras(Schema):
    """What a quote's conversion may add to the order it makes (issue 16)."""
    fees = fees_field(load_default=list)
    delivery_date = Date(load_default=None, allow_none=True)


def priced_order_lines(conn: Connection, customer_id: str, requested: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lines priced as quotes' are, each keeping its requested delivery date."""
    lines = price_lines(conn, customer_id, requested, default_tax_rate=config().default_tax_rate)
    return [{**line, "delivery_date": want.get("delivery_date")} for line, want in zip(lines, requested, strict=True)]


class Reason(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


def _domain(p: Principal) -> str:
    return {"warehouse": "shipping", "finance": "billing"}.get(p.role, "sales")


def visible_filter(conn: Connection, p: Principal):
    """Which orders the caller may read: by customer (assignment grants count); the
    warehouse only orders to ship."""
    clause = customer_filter(conn, p, orders.c.customer_id, _domain(p), read=True)
    if p.role == "warehouse":  # orders to ship, and every order of a customer assigned to them
        clause = sa.and_(clause, sa.or_(orders.c.status.in_(SHIPPING_STATUSES),
                                        orders.c.customer_id.in_(granted_customer_ids(p))))
    return clause


def can_see_order(conn: Connection, p: Principal, order: dict[str, Any]) -> bool:
    """Whether the caller may read the order (assignment grants count)."""
    if p.role == "warehouse" and order["status"] not in SHIPPING_STATUSES:
        return has_grant(conn, p.user_id, order["customer_id"])
    return can_see_customer(conn, p, order["customer_id"], _domain(p), read=True)


def visible_order(conn: Connection, p: Principal, order_id: str, *, lock: bool = False) -> dict[str, Any]:
    order = load_order(conn, path_id(order_id, "order"), lock=lock)
    if order is None or not can_see_order(conn, p, order):
        raise NotFound("order not found")
    return order


def writable_order(conn: Connection, p: Principal, order_id: str) -> dict[str, Any]:
    order = load_order(conn, path_id(order_id, "order"), lock=True)
    if order is None or not can_see_customer(conn, p, order["customer_id"], "sales"):
        raise NotFound("order not found")
    return order


@bp.post("/orders")
@api_doc(response=out.Order, body=OrderCreate, status=201, summary="Create an order (pending, or pending_approval when a line's effective discount against the list price, by unit_price and/or discount_pct, is above the threshold); unit_price defaults to the last price to this customer, else list price", tags=["sales"])
def create_order():
    p = writer()
    body = load(OrderCreate())
    ctx = service_context()
    cfg = config()
    with ctx.engine.begin() as conn:
        owner_id = require_customer(conn, p, body["customer_id"])
        lines = priced_order_lines(conn, body["customer_id"], body["lines"])
        order = ordering.create_order(
            conn, request_emitter(conn), customer_id=body["customer_id"], owner_id=owner_id, lines=lines,
            created_by=p.user_id, approval_threshold=cfg.approval_discount_pct, warehouse_id=body["warehouse_id"],
            fees=price_fees(body["fees"], default_tax_rate=cfg.default_tax_rate), delivery_date=body["delivery_date"],
        )
        warnings = stock_warnings(conn, lines, body["warehouse_id"])
    return jsonify({**view(order), "warnings": warnings}), 201


class OrderPreview(Schema):
    customer_id = uuid_field(required=True)
    lines = order_lines_field(required=True)
    fees = fees_field(load_default=list)
    warehouse_id = uuid_field(load_default=None, allow_none=True)


@bp.post("/orders/preview")
@api_doc(body=OrderPreview, response=out.OrderPricing, summary="Price an order's lines and fees as POST /orders would (totals with "
         "the fees, whether it would wait for approval, stock warnings) without saving anything: the order form's live "
         "totals (issue 16)", tags=["sales"])
def preview_order():
    p = writer()
    body = load(OrderPreview())
    cfg = config()
    with service_context().engine.connect() as conn:
        require_customer(conn, p, body["customer_id"])
        lines = priced_order_lines(conn, body["customer_id"], body["lines"])
        fees = price_fees(body["fees"], default_tax_rate=cfg.default_tax_rate)
        total = ordering.order_totals(lines, fees)
        answer = {**priced_view(lines), "fees": fees, "net": fmt(total.net), "tax": fmt(total.tax),
                  "gross": fmt(total.gross),
                  "needs_approval": ordering.discount_needs_approval(conn, lines, cfg.approval_discount_pct),
                  "warnings": stock_warnings(conn, lines, body["warehouse_id"])}
    return jsonify(answer)


@bp.get("/orders/<order_id>")
@api_doc(response=out.Order, summary="An order with lines, totals, status, payment_status", tags=["sales"])
def get_order(order_id: str):
    with service_context().engine.connect() as conn:
        return jsonify(with_customer_names(conn, [view(visible_order(conn, principal(), order_id))])[0])


SORTS = {key: orders.c[key] for key in ("number", "status", "payment_status", "net", "gross", "created_at", "updated_at",
                                            "delivery_date")}


@bp.get("/orders")
@api_doc(page=out.Order, summary="Orders (customer_id, status, owner_id, quote_id, project_id, warehouse_id, q: number or customer name, sort: "
         "number, status, payment_status, net, gross, created_at, updated_at, delivery_date, - for descending); "
         "warehouse sees orders to ship", tags=["sales"])
def list_orders():
    p = principal()
    page, per_page = page_args()
    status = request.args.get("status") or None
    if status and status not in STATUSES:
        raise ValidationFailed("invalid status", details={"status": [f"one of {', '.join(STATUSES)}"]})
    q = search_arg()
    # by delivery date: the same day (or no date) first come, first served
    order = sort_arg(SORTS, [orders.c.created_at.desc(), orders.c.id.desc()], orders.c.id,
                     ties={"delivery_date": orders.c.created_at})
    filters = {"customer_id": uuid_arg(request.args.get("customer_id"), "customer_id"),
               "owner_id": uuid_arg(request.args.get("owner_id"), "owner_id"),
               "quote_id": uuid_arg(request.args.get("quote_id"), "quote_id"), "status": status}
    with service_context().engine.connect() as conn:
        where = [visible_filter(conn, p)]
        where += [orders.c[k] == v for k, v in filters.items() if v]
        project_id = uuid_arg(request.args.get("project_id"), "project_id")
        if project_id:  # through the order's quote and its opportunity
            where.append(orders.c.quote_id.in_(project_store.project_quotes(project_id)))
        warehouse_id = uuid_arg(request.args.get("warehouse_id"), "warehouse_id")
        if warehouse_id:  # named on the order, or where inventory reserved it
            where.append(sa.or_(orders.c.warehouse_id == warehouse_id, orders.c.reserved_warehouse_id == warehouse_id))
        if q:
            where.append(sa.or_(orders.c.number.ilike(like_pattern(q)), customer_name_match(orders.c.customer_id, q)))
        page_rows, total = count_and_page(conn, sa.select(orders).where(*where).order_by(*order), page, per_page)
        rows = [dict(r._mapping) for r in page_rows]
        lines = load_lines_for(conn, [r["id"] for r in rows])
        items = with_customer_names(conn, [view({**r, "lines": lines[r["id"]]}) for r in rows])
    return page_response(items, total, page, per_page)


class OrderEdit(Schema):
    """PATCH /orders/{id} (issue 16): what is named is replaced."""
    lines = order_lines_field()
    fees = fees_field()
    delivery_date = Date(allow_none=True)


@bp.patch("/orders/<order_id>")
@api_doc(body=OrderEdit, response=out.Order, summary="Edit an order before it is confirmed: a held one (pending_approval) its lines, "
         "fees and delivery date, the approval rule read again (placed when no line needs approval any more); a pending "
         "one (its reservation requested) only its fees and delivery date, 409 order_not_editable for lines and in "
         "other statuses", tags=["sales"])
def edit(order_id: str):
    p = writer()
    body = load(OrderEdit())
    if not body:
        raise ValidationFailed("nothing to change", details={"_schema": ["name lines, fees or delivery_date"]})
    cfg = config()
    ctx = service_context()
    with ctx.engine.begin() as conn:
        order = writable_order(conn, p, order_id)
        changes: dict[str, Any] = {}
        if "lines" in body:
            ordering.check_edit(order, {"lines"})  # before pricing: a pending order's lines never change
            changes["lines"] = priced_order_lines(conn, order["customer_id"], body["lines"])
        if "fees" in body:
            changes["fees"] = price_fees(body["fees"], default_tax_rate=cfg.default_tax_rate)
        if "delivery_date" in body:
            changes["delivery_date"] = body["delivery_date"]
        order = ordering.edit_order(conn, request_emitter(conn), p, order, changes, cfg.approval_discount_pct)
        warnings = stock_warnings(conn, order["lines"], order["warehouse_id"])
    return jsonify({**view(order), "warnings": warnings})


class Approval(Schema):
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


@bp.post("/orders/<order_id>/approve")
@api_doc(body=Approval, response=out.Order, summary="Approve a held order (a manager above the owner, or admin; never whoever created the order or wrote its quote), with an optional comment (kept as the order's reason, shown on the timeline): 403 others, 409 wrong state", tags=["sales"])
def approve(order_id: str):
    p = writer()
    comment = (load(Approval()).get("comment") or "").strip() or None
    ctx = service_context()
    with ctx.engine.begin() as conn:
        order = writable_order(conn, p, order_id)
        order = ordering.approve_order(conn, request_emitter(conn), p, order, comment)
    return jsonify(view(order))


class Rejection(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


@bp.post("/orders/<order_id>/reject")
@api_doc(body=Rejection, response=out.Order, summary="Turn a held order down with a reason (whoever may approve it): pending_approval -> rejected; 403 others, 409 wrong state", tags=["sales"])
def reject(order_id: str):
    p = writer()
    body = load(Rejection())
    reason = body["reason"].strip()
    if not reason:
        raise ValidationFailed("a reason is required", details={"reason": ["required"]})
    ctx = service_context()
    with ctx.engine.begin() as conn:
        order = writable_order(conn, p, order_id)
        order = ordering.reject_order(conn, request_emitter(conn), p, order, reason)
    return jsonify(view(order))


@bp.post("/orders/<order_id>/cancel")
@api_doc(response=out.Order, body=Reason, summary="Cancel (pending_approval, pending, confirmed); inventory releases the stock", tags=["sales"])
def cancel(order_id: str):
    p = writer()
    body = load(Reason())
    ctx = service_context()
    with ctx.engine.begin() as conn:
        order = writable_order(conn, p, order_id)
        order = ordering.cancel_order(conn, request_emitter(conn), order, body["reason"])
    return jsonify(view(order))


@bp.post("/orders/<order_id>/close")
@api_doc(response=out.Order, summary="Close a shipped order", tags=["sales"])
def close(order_id: str):
    p = writer()
    ctx = service_context()
    with ctx.engine.begin() as conn:
        order = writable_order(conn, p, order_id)
        order = ordering.close_order(conn, request_emitter(conn), order)
    return jsonify(view(order))
