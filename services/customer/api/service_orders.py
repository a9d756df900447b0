"""Service orders and repairs: opened for a customer (on their own or from a complaint),
assigned to any active user (which gives the assignee access to the order and read access to
its customer, services/customer/assignments.py), moved open -> in_progress -> waiting_parts
-> done -> closed, with spare parts taken from a warehouse's stock, time spent, a resolution
and the customer's feedback. The writes are services/customer/commands/service_orders.py."""

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
from services.customer.commands import service_orders as commands
from services.customer.domain.service_orders import ACTIVE
from services.customer.models import products, service_order_parts, service_orders
from shared.errors import ValidationFailed
from shared.events.customer import (
    SERVICE_ORDER_KINDS,
    SERVICE_ORDER_PRIORITIES,
    SERVICE_ORDER_STATUSES,
)
from shared.fields import AwareDateTime, Integer, uuid_field
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

bp = Blueprint("service_orders", __name__)

MAX_MINUTES = 1_000_000  # time spent on one order, in minutes (about two years of work)


class ServiceOrderIn(Schema):
    customer_id = uuid_field(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(SERVICE_ORDER_KINDS))
    subject = text(300, required=True)
    description = text(5000)
    assignee_id = uuid_field(required=True)
    complaint_id = uuid_field(allow_none=True, load_default=None)
    product_id = uuid_field(allow_none=True, load_default=None)
    serial_no = text(100)
    priority = fields.String(load_default="normal", validate=validate.OneOf(SERVICE_ORDER_PRIORITIES))
    due_at = AwareDateTime(allow_none=True, load_default=None)


def _optional_text(max_len: int) -> fields.String:
    """A PATCH text field: absent means unchanged, null clears it."""
    return fields.String(allow_none=True, validate=validate.Length(max=max_len))


class ServiceOrderPatch(Schema):
    status = fields.String(validate=validate.OneOf(SERVICE_ORDER_STATUSES))
    resolution = _optional_text(5000)
    assignee_id = uuid_field()
    time_spent_minutes = Integer(maximum=MAX_MINUTES)
    due_at = AwareDateTime(allow_none=True)
    priority = fields.String(validate=validate.OneOf(SERVICE_ORDER_PRIORITIES))
    description = _optional_text(5000)
    serial_no = _optional_text(100)


class PartIn(Schema):
    product_id = uuid_field(required=True)
    warehouse_id = uuid_field(required=True)
    quantity = Integer(required=True, minimum=1, maximum=100_000)


class FeedbackIn(Schema):
    rating = Integer(required=True, minimum=1, maximum=5)
    comment = text(2000)


def service_order_json(row: Any, parts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    body = {k: getattr(row, k) for k in ("id", "number", "customer_id", "kind", "subject", "description",
                                        "assignee_id", "complaint_id", "product_id", "serial_no", "priority",
                                        "status", "resolution", "time_spent_minutes", "created_by")}
    body.update({
        "due_at": iso(row.due_at), "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
        "done_at": iso(row.done_at), "closed_at": iso(row.closed_at),
        "overdue": row.status in ACTIVE and row.due_at is not None and row.due_at < now,
        "feedback": None if row.rating is None else {
            "rating": row.rating, "comment": row.feedback_comment, "given_by": row.feedback_by,
            "given_at": iso(row.feedback_at)},
    })
    if parts is not None:
        body["parts"] = parts
    return body


def part_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "service_order_id": row.service_order_id, "product_id": row.product_id,
            "sku": getattr(row, "sku", None), "product_name": getattr(row, "product_name", None),
            "unit": getattr(row, "unit", None), "warehouse_id": row.warehouse_id, "quantity": row.quantity,
            "status": row.status, "available": row.available, "reason": row.reason, "created_by": row.created_by,
            "created_at": iso(row.created_at), "settled_at": iso(row.settled_at)}


_PARTS = (sa.select(service_order_parts, products.c.sku, products.c.name.label("product_name"), products.c.unit)
          .select_from(service_order_parts.outerjoin(products, products.c.id == service_order_parts.c.product_id)))


def _parts(conn: Any, order_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(_PARTS.where(service_order_parts.c.service_order_id == order_id)
                        .order_by(service_order_parts.c.created_at, service_order_parts.c.id).limit(500))
    return [part_json(r) for r in rows]


def _one_of(name: str, choices: tuple[str, ...]) -> str | None:
    value = request.args.get(name)
    if value and value not in choices:
        raise ValidationFailed("invalid filters", details={name: [f"must be one of {', '.join(choices)}"]})
    return value or None


@bp.post("/service-orders")
@api_doc(body=ServiceOrderIn, response=out.ServiceOrder, status=201,
         summary="Open a service or repair order and assign it (from a complaint or on its own)")
def create_service_order() -> ResponseReturnValue:
    body = load(ServiceOrderIn())
    row = commands.open_service_order(service_context(), event_context(), principal(), body)
    return jsonify(service_order_json(row, parts=[])), 201


@bp.get("/service-orders")
@api_doc(page=out.ServiceOrder,
         summary="Service orders (customer_id, assignee_id, status, kind, complaint_id, overdue, sort)")
def list_service_orders() -> ResponseReturnValue:
    page, per_page = page_args()
    args = request.args
    status, kind = _one_of("status", SERVICE_ORDER_STATUSES), _one_of("kind", SERVICE_ORDER_KINDS)
    sort = _one_of("sort", ("-created_at", "created_at", "due_at", "-priority"))
    overdue = _one_of("overdue", ("true", "false"))
    ctx = service_context()
    with ctx.engine.connect() as conn:
        where = [customer_clause(conn, principal(), service_orders.c.customer_id, read=True)]
        for name in ("customer_id", "assignee_id", "complaint_id"):
            value = uuid_arg(args.get(name), name)
            if value:
                where.append(service_orders.c[name] == value)
        if status:
            where.append(service_orders.c.status == status)
        if kind:
            where.append(service_orders.c.kind == kind)
        if overdue:
            late = sa.and_(service_orders.c.status.in_(ACTIVE), service_orders.c.due_at < sa.func.now())
            where.append(late if overdue == "true" else sa.not_(sa.func.coalesce(late, False)))
        order = {
            "created_at": (service_orders.c.created_at, service_orders.c.id),
            "due_at": (service_orders.c.due_at.asc().nulls_last(), service_orders.c.created_at.desc(),
                       service_orders.c.id),
            "-priority": (sa.case({"urgent": 0, "high": 1, "normal": 2, "low": 3}, value=service_orders.c.priority),
                          service_orders.c.due_at.asc().nulls_last(), service_orders.c.id),
        }.get(sort or "", (service_orders.c.created_at.desc(), service_orders.c.id.desc()))
        rows, total = count_and_page(conn, sa.select(service_orders).where(*where).order_by(*order), page, per_page)
    return page_response([service_order_json(r) for r in rows], total, page, per_page)


@bp.get("/service-orders/<order_id>")
@api_doc(response=out.ServiceOrder, summary="A service order with its spare parts lines")
def get_service_order(order_id: str) -> ResponseReturnValue:
    with service_context().engine.connect() as conn:
        row = commands.visible_service_order(conn, principal(), path_id(order_id, "service order"))
        return jsonify(service_order_json(row, parts=_parts(conn, row.id)))


@bp.patch("/service-orders/<order_id>")
@api_doc(body=ServiceOrderPatch, response=out.ServiceOrder,
         summary="Move a service order along its flow (409 on an illegal move), change its details or assignee")
def update_service_order(order_id: str) -> ResponseReturnValue:
    body = load(ServiceOrderPatch())
    if not body:
        raise ValidationFailed("nothing to change", details={"status": ["give status, resolution, assignee_id, ..."]})
    row = commands.update_service_order(service_context(), event_context(), principal(),
                                        path_id(order_id, "service order"), body)
    return jsonify(service_order_json(row))


@bp.post("/service-orders/<order_id>/parts")
@api_doc(body=PartIn, response=out.ServicePart, status=201,
         summary="Take a spare part from a warehouse's stock (409 insufficient_stock with details.available)")
def add_part(order_id: str) -> ResponseReturnValue:
    body = load(PartIn())
    part = commands.add_part(service_context(), event_context(), principal(), path_id(order_id, "service order"),
                             body)
    with service_context().engine.connect() as conn:
        row = conn.execute(_PARTS.where(service_order_parts.c.id == part.id)).one()
    return jsonify(part_json(row)), 201


@bp.get("/service-orders/<order_id>/parts")
@api_doc(page=out.ServicePart, summary="A service order's spare parts lines")
def list_parts(order_id: str) -> ResponseReturnValue:
    page, per_page = page_args()
    with service_context().engine.connect() as conn:
        row = commands.visible_service_order(conn, principal(), path_id(order_id, "service order"))
        rows, total = count_and_page(conn, _PARTS.where(service_order_parts.c.service_order_id == row.id)
                                     .order_by(service_order_parts.c.created_at, service_order_parts.c.id),
                                     page, per_page)
    return page_response([part_json(r) for r in rows], total, page, per_page)


@bp.post("/service-orders/<order_id>/feedback")
@api_doc(body=FeedbackIn, response=out.ServiceOrder, status=201,
         summary="Record the customer's feedback (rating 1-5, comment) once the order is done")
def give_feedback(order_id: str) -> ResponseReturnValue:
    body = load(FeedbackIn())
    row = commands.give_feedback(service_context(), event_context(), principal(),
                                 path_id(order_id, "service order"), body)
    return jsonify(service_order_json(row)), 201
