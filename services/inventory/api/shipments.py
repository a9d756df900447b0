"""Shipments (partial, several per order, never more than reserved and not yet shipped)
and the saga's reservations as the warehouse sees them. Shipping is
services/inventory/commands/shipments.py."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate

from services.inventory.api import answers as out
from services.inventory.api.common import STOCK_WRITERS, Id, lines_field, str_ids
from services.inventory.commands import shipments as commands
from services.inventory.models import reservation_lines, reservations, shipments
from shared.errors import NotFound
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

bp = Blueprint("inventory_shipments", __name__)
DOMAIN = "shipping"


class ShipmentIn(Schema):
    order_id = Id(required=True)
    warehouse_id = Id(required=True)
    lines = lines_field()
    carrier = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))
    tracking_number = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))


def shipment_body(row) -> dict[str, Any]:
    return {"id": row.id, "order_id": row.order_id, "customer_id": row.customer_id,
            "warehouse_id": row.warehouse_id, "lines": row.lines, "carrier": row.carrier,
            "tracking_number": row.tracking_number, "fully_shipped": row.fully_shipped,
            "actor_id": row.actor_id, "created_at": iso(row.created_at)}


@bp.post("/shipments")
@api_doc(body=ShipmentIn, response=out.Shipment, status=201, summary="Ship reserved goods of an order")
def create_shipment():
    require_role(STOCK_WRITERS, "ship orders")
    data = load(ShipmentIn())
    lines = str_ids(data["lines"])
    row = commands.ship(service_context(), event_context(), principal(), str(data["order_id"]),
                        str(data["warehouse_id"]), lines, data["carrier"], data["tracking_number"])
    return jsonify(shipment_body(row)), 201


@bp.get("/shipments")
@api_doc(page=out.Shipment, summary="Shipments (order_id, customer_id, warehouse_id)")
def list_shipments():
    page, per_page = page_args()
    query = sa.select(shipments)
    for arg in ("order_id", "customer_id", "warehouse_id"):
        value = uuid_arg(request.args.get(arg), arg)
        if value:
            query = query.where(shipments.c[arg] == value)
    with service_context().engine.connect() as conn:
        query = query.where(customer_filter(conn, principal(), shipments.c.customer_id, DOMAIN, read=True))
        query = query.order_by(shipments.c.created_at.desc(), shipments.c.id.desc())
        rows, total = count_and_page(conn, query, page, per_page)
        items = with_customer_names(conn, [shipment_body(r) for r in rows])
    return page_response(items, total, page, per_page)


@bp.get("/shipments/<shipment_id>")
@api_doc(response=out.Shipment, summary="A shipment")
def get_shipment(shipment_id: str):
    sid = path_id(shipment_id, "shipment")
    with service_context().engine.connect() as conn:
        row = conn.execute(sa.select(shipments).where(shipments.c.id == sid)).first()
        if row is None or not can_see_customer(conn, principal(), row.customer_id, DOMAIN, read=True):
            raise NotFound("shipment not found")
        return jsonify(with_customer_names(conn, [shipment_body(row)])[0])


@bp.get("/stock/reservations/<order_id>")
@api_doc(response=out.Reservation, summary="An order's stock reservation")
def get_reservation(order_id: str):
    """What the saga reserved for an order, and how much of it has shipped or been released."""
    oid = path_id(order_id, "reservation")
    with service_context().engine.connect() as conn:
        res = conn.execute(sa.select(reservations).where(reservations.c.order_id == oid)).first()
        if res is None or not can_see_customer(conn, principal(), res.customer_id, DOMAIN, read=True):
            raise NotFound("reservation not found")
        lines = conn.execute(sa.select(reservation_lines).where(reservation_lines.c.order_id == oid)
                             .order_by(reservation_lines.c.product_id)).all()
    return jsonify({
        "order_id": res.order_id, "customer_id": res.customer_id, "warehouse_id": res.warehouse_id,
        "status": res.status, "reason": res.reason, "created_at": iso(res.created_at),
        "updated_at": iso(res.updated_at),
        "lines": [{"product_id": r.product_id, "quantity": r.quantity, "shipped": r.shipped, "released": r.released,
                   "remaining": r.quantity - r.shipped - r.released} for r in lines],
    })
