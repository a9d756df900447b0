"""Loan commands: samples and loans to a customer the caller sees (stock out) and the goods
that come back (stock in), with their events."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from services.inventory.api.common import STOCK_WRITERS, check_products, check_warehouse
from services.inventory.commands import in_transaction
from services.inventory.domain.stock import Movement, over_shipment
from services.inventory.models import loans
from services.inventory.stock_store import move_stock
from shared.copies import CopyMissing
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.identity import Principal
from shared.outbox import EventContext
from shared.service import ServiceContext
from shared.visibility import can_see_customer
from shared.web import require_role

DOMAIN = "inventory"


def loan_event(row: Row) -> dict[str, Any]:
    return {"id": row.id, "customer_id": row.customer_id, "warehouse_id": row.warehouse_id, "kind": row.kind,
            "status": row.status, "lines": row.lines}


def loan_status(lines: list[dict[str, Any]]) -> str:
    if all(line["returned"] >= line["quantity"] for line in lines):
        return "returned"
    return "partially_returned" if any(line["returned"] for line in lines) else "out"


def lend(ctx: ServiceContext, events: EventContext, p: Principal, data: Mapping[str, Any],
         merged: Mapping[str, int]) -> Row:
    """Goods out to a customer the caller sees (422 unknown customer otherwise; a customer
    whose copy has not arrived yet is waited for); inventory.loan.created."""
    customer_id = str(data["customer_id"])

    def work(conn, emit):
        known = conn.execute(sa.text("SELECT 1 FROM acl_customers WHERE customer_id = :c"), {"c": customer_id}).first()
        unknown = ValidationFailed("unknown customer", details={"customer_id": ["no such customer"]})
        if known is None:  # just created in the customer service, or never: wait (shared.copies)
            raise CopyMissing(unknown, ("acl_customers", customer_id))
        if not can_see_customer(conn, p, customer_id, DOMAIN):
            raise unknown
        wid = check_warehouse(conn, data["warehouse_id"])
        check_products(conn, list(merged))
        lid = str(uuid.uuid4())
        move_stock(conn, emit, [Movement(wid, pid, "loan_out", -q, 0) for pid, q in merged.items()],
                   ref_type="loan", ref_id=lid, actor_id=p.user_id, note=data["kind"])
        row = conn.execute(loans.insert().values(
            id=lid, customer_id=customer_id, warehouse_id=wid, kind=data["kind"], status="out",
            due_date=data["due_date"], note=data["note"], actor_id=p.user_id,
            lines=[{"product_id": pid, "quantity": q, "returned": 0} for pid, q in merged.items()],
        ).returning(*loans.c)).one()
        emit("inventory.loan.created", aggregate_type="loan", aggregate_id=lid, customer_id=customer_id,
             data=loan_event(row))
        return row

    return in_transaction(ctx, events, work)


def take_back(ctx: ServiceContext, events: EventContext, p: Principal, loan_id: str,
              back: Mapping[str, int]) -> Row:
    """Goods back from a loan the caller sees (404 otherwise, before the role check); 409
    over_return past what is still out; inventory.loan.returned."""
    def work(conn, emit):
        row = conn.execute(sa.select(loans).where(loans.c.id == loan_id).with_for_update()).first()
        if row is None or not can_see_customer(conn, p, row.customer_id, DOMAIN):
            raise NotFound("loan not found")
        require_role(STOCK_WRITERS, "take back loans", who=p)
        outstanding = {line["product_id"]: line["quantity"] - line["returned"] for line in row.lines}
        over = over_shipment(back, outstanding)
        if over:
            raise Conflict("more than is still out on this loan", code="over_return", details=over)
        move_stock(conn, emit, [Movement(row.warehouse_id, pid, "loan_return", q, 0) for pid, q in back.items()],
                   ref_type="loan", ref_id=loan_id, actor_id=p.user_id, create_rows=True)
        lines = [{**line, "returned": line["returned"] + back.get(line["product_id"], 0)} for line in row.lines]
        updated = conn.execute(loans.update().where(loans.c.id == loan_id).values(
            lines=lines, status=loan_status(lines), updated_at=sa.func.now()).returning(*loans.c)).one()
        emit("inventory.loan.returned", aggregate_type="loan", aggregate_id=loan_id, customer_id=row.customer_id,
             data={**loan_event(updated), "returned_lines": [{"product_id": pid, "quantity": q}
                                                              for pid, q in back.items()]})
        return updated

    return in_transaction(ctx, events, work)
