"""Service order commands: open one (on its own or from a complaint) and assign it, move it
along its flow, change its resolution, time spent, due time, priority or assignee, take
spare parts from a warehouse's stock, record the customer's feedback. The assignee (any
active user) holds the order's assignment grant (services/customer/assignments.py): access
to the order and read access to its customer. The spare parts check and the overdue check
are services/customer/service_parts.py and services/customer/overdue.py."""

from __future__ import annotations

import datetime as dt
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
from services.customer.domain import service_orders as rules
from services.customer.models import (
    complaints,
    products,
    service_order_number_seq,
    service_order_parts,
    service_orders,
)
from services.customer.service_parts import check_part
from shared.copies import CopyMissing
from shared.errors import Conflict, ValidationFailed
from shared.identity import Principal
from shared.outbox import Emitter, EventContext
from shared.service import ServiceContext

SNAPSHOT_FIELDS = ("id", "number", "customer_id", "kind", "subject", "description", "assignee_id", "complaint_id",
                   "product_id", "serial_no", "priority", "due_at", "status", "resolution", "time_spent_minutes",
                   "created_by")
# PATCH fields besides status and assignee: when they change, customer.service_order.updated
DETAIL_FIELDS = ("resolution", "time_spent_minutes", "due_at", "priority", "description", "serial_no")


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def snapshot(row: Any) -> dict[str, Any]:
    return {k: _iso(getattr(row, k)) for k in SNAPSHOT_FIELDS}


def _emit(emit: Emitter, event_type: str, row: Any, **extra: Any) -> None:
    emit(event_type, aggregate_type="service_order", aggregate_id=row.id, customer_id=row.customer_id,
         data={**snapshot(row), **extra})


def _grant(conn: Connection, emit: Emitter, row: Any) -> None:
    """The assignee (only) holds the service order's assignment grant."""
    assign(conn, emit.outbox, emit.context, record_type="service_order", record_id=row.id,
           customer_id=row.customer_id, label=f"{row.number} {row.subject}", assignees=[row.assignee_id])


def _number() -> Any:
    """SV-2026-000042, drawn from the sequence inside the INSERT."""
    return sa.func.concat(f"SV-{dt.datetime.now(dt.UTC).year}-",
                          sa.func.lpad(sa.cast(service_order_number_seq.next_value(), sa.Text), 6, "0"))


def require_product(conn: Connection, product_id: str, field: str = "product_id") -> Row:
    """A product named in a body, from the copy of inventory's products (a product created a
    moment ago is waited for, shared.copies); unknown or inactive: 422."""
    row = conn.execute(sa.select(products).where(products.c.id == product_id)).first()
    refusal = ValidationFailed("unknown or inactive product", details={field: ["unknown or inactive product"]})
    if row is None:
        raise CopyMissing(refusal, ("products", product_id))
    if not row.active:
        raise refusal
    return row


def visible_service_order(conn: Connection, p: Principal, order_id: str, *, for_update: bool = False,
                          write: bool = False) -> Row:
    """The service order if the caller may read its customer (404 otherwise). With
    write=True the caller must also be its assignee or have write access to its customer
    (403 for someone who may only read it)."""
    row = visible_record(conn, p, service_orders, order_id, "service order", for_update=for_update, read=True)
    if write and row.assignee_id != p.user_id:
        load_customer(conn, p, row.customer_id)  # 403 when the caller may only read
    return row


def _customer_for_create(conn: Connection, p: Principal, body: Mapping[str, Any]) -> tuple[Row, str | None]:
    """The customer (write access needed, or the complaint's assignee opening a service order
    from their complaint: read access is enough then) and the complaint id."""
    complaint_id = body.get("complaint_id")
    if not complaint_id:
        return require_customer_field(conn, p, body["customer_id"]), None
    complaint = visible_record(conn, p, complaints, complaint_id, "complaint", read=True)
    if complaint.customer_id != body["customer_id"]:
        raise ValidationFailed("the complaint belongs to another customer",
                               details={"complaint_id": ["belongs to another customer"]}, code="customer_mismatch")
    if complaint.assignee_id == p.user_id:
        customer = load_customer(conn, p, body["customer_id"], read=True)
        if customer.deleted_at is not None:
            raise Conflict("the customer is deleted", code="customer_deleted")
        return customer, complaint.id
    return require_customer_field(conn, p, body["customer_id"]), complaint.id


def open_service_order(ctx: ServiceContext, events: EventContext, p: Principal, body: Mapping[str, Any]) -> Row:
    """customer.service_order.created and .assigned, and the assignee's grant."""
    with ctx.transaction(events) as (conn, emit):
        customer, complaint_id = _customer_for_create(conn, p, body)
        require_user(conn, body["assignee_id"], "assignee_id")
        if body.get("product_id"):
            require_product(conn, body["product_id"])
        row = conn.execute(service_orders.insert().values(
            id=str(uuid.uuid4()), number=_number(), customer_id=customer.id, kind=body["kind"],
            subject=body["subject"].strip(), description=body.get("description"), assignee_id=body["assignee_id"],
            complaint_id=complaint_id, product_id=body.get("product_id"), serial_no=body.get("serial_no"),
            priority=body.get("priority") or "normal", due_at=body.get("due_at"), status=rules.OPEN,
            created_by=p.user_id,
        ).returning(*service_orders.c)).one()
        _emit(emit, "customer.service_order.created", row)
        _emit(emit, "customer.service_order.assigned", row)
        _grant(conn, emit, row)
    return row


def _status_values(previous: str, new: str) -> dict[str, Any]:
    values: dict[str, Any] = {"status": new}
    if new == rules.DONE:
        values["done_at"] = sa.func.now()
    if new == rules.CLOSED:
        values["closed_at"] = sa.func.now()
    if previous == rules.DONE and new == rules.IN_PROGRESS:
        values["done_at"] = None  # reopened
    return values


def update_service_order(ctx: ServiceContext, events: EventContext, p: Principal, order_id: str,
                         body: Mapping[str, Any]) -> Row:
    """A move along the flow (409 illegal_transition otherwise), detail changes
    (customer.service_order.updated), a new assignee (.assigned, the grant moves). A closed
    order changes no more (409)."""
    with ctx.transaction(events) as (conn, emit):
        row = visible_service_order(conn, p, order_id, for_update=True, write=True)
        previous = row.status
        values: dict[str, Any] = {}
        if "status" in body:
            if not rules.transition_allowed(previous, body["status"]):
                raise Conflict(f"a service order cannot go from {previous} to {body['status']}",
                               code="illegal_transition", details={"from": previous, "to": body["status"]})
            values.update(_status_values(previous, body["status"]))
        changed = [f for f in DETAIL_FIELDS if f in body and body[f] != getattr(row, f)]
        reassigned = body.get("assignee_id") not in (None, row.assignee_id)
        if (changed or reassigned) and not rules.may_change(previous):
            raise Conflict("a closed service order cannot be changed", code="illegal_transition",
                           details={"from": previous})
        if reassigned:
            require_user(conn, body["assignee_id"], "assignee_id")
            values["assignee_id"] = body["assignee_id"]
        for f in changed:
            values[f] = body[f]
        if "due_at" in changed:
            values["overdue_notified_at"] = None  # a new due time is announced again when missed
        if not values:
            return row
        row = conn.execute(service_orders.update().where(service_orders.c.id == row.id)
                           .values(**values, updated_at=sa.func.now()).returning(*service_orders.c)).one()
        if row.status != previous:
            _emit(emit, "customer.service_order.status_changed", row, previous_status=previous)
        if changed:
            _emit(emit, "customer.service_order.updated", row, changed=changed)
        if reassigned:
            _emit(emit, "customer.service_order.assigned", row)
            _grant(conn, emit, row)
    return row


def add_part(ctx: ServiceContext, events: EventContext, p: Principal, order_id: str,
             body: Mapping[str, Any]) -> Row:
    """A spare part line: checked against the stock copy (409 insufficient_stock with the
    quantity available), then customer.service_order.part_requested, which inventory turns
    into the deduction (services/customer/service_parts.py says what is guaranteed)."""
    with ctx.transaction(events) as (conn, emit):
        order = visible_service_order(conn, p, order_id, for_update=True, write=True)
        if not rules.may_take_parts(order.status):
            raise Conflict(f"spare parts are not taken for a service order that is {order.status}",
                           code="illegal_transition", details={"status": order.status})
        product = require_product(conn, body["product_id"])
        check_part(conn, body["product_id"], body["warehouse_id"], body["quantity"])
        part = conn.execute(service_order_parts.insert().values(
            id=str(uuid.uuid4()), service_order_id=order.id, product_id=product.id,
            warehouse_id=body["warehouse_id"], quantity=body["quantity"], status="pending", created_by=p.user_id,
        ).returning(*service_order_parts.c)).one()
        emit("customer.service_order.part_requested", aggregate_type="service_order", aggregate_id=order.id,
             customer_id=order.customer_id,
             data={"id": part.id, "service_order_id": order.id, "number": order.number,
                   "customer_id": order.customer_id, "assignee_id": order.assignee_id, "product_id": product.id,
                   "sku": product.sku, "product_name": product.name, "warehouse_id": part.warehouse_id,
                   "quantity": part.quantity})
    return part


def give_feedback(ctx: ServiceContext, events: EventContext, p: Principal, order_id: str,
                  body: Mapping[str, Any]) -> Row:
    """The customer's rating (1-5) and comment, once, after the order is done (409 before,
    and for a second one)."""
    with ctx.transaction(events) as (conn, emit):
        row = visible_service_order(conn, p, order_id, for_update=True, write=True)
        refusal = rules.feedback_refusal(row.status, row.rating is not None)
        if refusal:
            raise Conflict(refusal, code="feedback_not_allowed", details={"status": row.status})
        row = conn.execute(service_orders.update().where(service_orders.c.id == row.id).values(
            rating=body["rating"], feedback_comment=body.get("comment"), feedback_by=p.user_id,
            feedback_at=sa.func.now(), updated_at=sa.func.now(),
        ).returning(*service_orders.c)).one()
        _emit(emit, "customer.service_order.feedback_given", row, rating=row.rating, comment=row.feedback_comment)
    return row

