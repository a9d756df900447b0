"""Purchase inquiry commands (询价单): ask several suppliers for the same lines, record a
supplier's offer, turn one complete offer into a purchase order (its prices also become the
supplier's purchase prices), or cancel the inquiry."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.inventory import inquiry_store as store
from services.inventory import purchasing_store
from services.inventory.api.common import check_products, check_warehouse
from services.inventory.api.purchasing_bodies import po_body
from services.inventory.commands import in_transaction
from services.inventory.commands.purchasing import insert_purchase_order
from services.inventory.domain import inquiries as rules
from services.inventory.models import (
    purchase_inquiries,
    purchase_inquiry_lines,
    purchase_inquiry_offers,
    purchase_inquiry_suppliers,
    suppliers,
)
from shared.errors import Conflict, ValidationFailed
from shared.identity import Principal
from shared.outbox import EventContext
from shared.service import ServiceContext


def _open_inquiry(conn: Connection, inquiry_id: str):
    """The inquiry, row-locked; 404 when there is none, 409 once it is ordered or cancelled."""
    row = store.load(conn, inquiry_id, lock=True)
    try:
        rules.check_open(row.status)
    except rules.InquiryClosed as exc:
        raise Conflict(str(exc), code="illegal_transition", details={"status": exc.status}) from None
    return row


def _check_suppliers(conn: Connection, supplier_ids: list[str]) -> None:
    wanted = sorted(set(supplier_ids))
    found = set(conn.execute(sa.select(suppliers.c.id).where(suppliers.c.id.in_(wanted))).scalars())
    missing = [s for s in wanted if s not in found]
    if missing:
        raise ValidationFailed("unknown suppliers", details={"supplier_ids": [f"no such supplier: {s}" for s in missing]})


def create_inquiry(ctx: ServiceContext, events: EventContext, p: Principal, data: Mapping[str, Any]) -> dict[str, Any]:
    def work(conn, _emit):
        wid = check_warehouse(conn, data["warehouse_id"])
        lines = {str(x["product_id"]): x["quantity"] for x in data["lines"]}
        if len(lines) != len(data["lines"]):
            raise ValidationFailed("a product appears twice", details={"lines": ["each product once"]})
        check_products(conn, list(lines))
        supplier_ids = [str(s) for s in data["supplier_ids"]]
        if len(set(supplier_ids)) != len(supplier_ids):
            raise ValidationFailed("a supplier appears twice", details={"supplier_ids": ["each supplier once"]})
        _check_suppliers(conn, supplier_ids)
        iid = str(uuid.uuid4())
        conn.execute(purchase_inquiries.insert().values(id=iid, warehouse_id=wid, status=rules.OPEN, note=data["note"],
                                                        reply_by=data["reply_by"], actor_id=p.user_id))
        conn.execute(purchase_inquiry_lines.insert(),
                     [{"inquiry_id": iid, "product_id": pid, "quantity": q} for pid, q in lines.items()])
        conn.execute(purchase_inquiry_suppliers.insert(), [{"inquiry_id": iid, "supplier_id": s} for s in supplier_ids])
        return store.body(conn, store.load(conn, iid))

    return in_transaction(ctx, events, work)


def record_offer(ctx: ServiceContext, events: EventContext, inquiry_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """A supplier's answer: its price (and lead time) per product of the inquiry; a second
    answer from the same supplier replaces its first."""
    def work(conn, _emit):
        row = _open_inquiry(conn, inquiry_id)
        sid = str(data["supplier_id"])
        asked = conn.execute(sa.select(purchase_inquiry_suppliers.c.supplier_id).where(
            purchase_inquiry_suppliers.c.inquiry_id == row.id, purchase_inquiry_suppliers.c.supplier_id == sid)).first()
        if asked is None:
            raise ValidationFailed("this supplier was not asked", details={"supplier_id": ["not asked in this inquiry"]})
        wanted = store.quantities(conn, row.id)
        offered = {str(x["product_id"]): x for x in data["lines"]}
        if len(offered) != len(data["lines"]):
            raise ValidationFailed("a product appears twice", details={"lines": ["each product once"]})
        strangers = sorted(set(offered) - set(wanted))
        if strangers:
            raise ValidationFailed("products not asked for",
                                   details={"lines": [f"not in this inquiry: {pid}" for pid in strangers]})
        conn.execute(sa.delete(purchase_inquiry_offers).where(purchase_inquiry_offers.c.inquiry_id == row.id,
                                                              purchase_inquiry_offers.c.supplier_id == sid))
        conn.execute(purchase_inquiry_offers.insert(), [
            {"inquiry_id": row.id, "supplier_id": sid, "product_id": pid, "unit_price": x["unit_price"],
             "lead_days": x["lead_days"]} for pid, x in offered.items()])
        conn.execute(sa.update(purchase_inquiry_suppliers).where(
            purchase_inquiry_suppliers.c.inquiry_id == row.id, purchase_inquiry_suppliers.c.supplier_id == sid)
            .values(replied_at=datetime.now(UTC), reply_note=data["note"]))
        return store.body(conn, row)

    return in_transaction(ctx, events, work)


def order_from_offer(ctx: ServiceContext, events: EventContext, p: Principal, inquiry_id: str,
                     supplier_id: str) -> dict[str, Any]:
    """The supplier's complete offer as an open purchase order to the inquiry's warehouse;
    its prices become the supplier's purchase prices; the inquiry is ordered."""
    def work(conn, _emit):
        row = _open_inquiry(conn, inquiry_id)
        wanted = store.quantities(conn, row.id)
        prices = store.offers_of(conn, row.id).get(supplier_id, {})
        unpriced = sorted(set(wanted) - set(prices))
        if not prices or unpriced:
            raise Conflict("this supplier's offer does not price every line", code="offer_incomplete",
                           details={"supplier_id": supplier_id, "unpriced": unpriced})
        priced = [{"product_id": pid, "quantity": qty, "unit_price": prices[pid][0]} for pid, qty in sorted(wanted.items())]
        po = insert_purchase_order(conn, p.user_id, supplier_id, row.warehouse_id, priced)
        purchasing_store.set_supplier_prices(conn, supplier_id, [{"product_id": x["product_id"], "price": x["unit_price"]}
                                                                 for x in priced])
        conn.execute(sa.update(purchase_inquiries).where(purchase_inquiries.c.id == row.id)
                     .values(status=rules.ORDERED, purchase_order_id=po.id, ordered_supplier_id=supplier_id))
        return po_body(conn, po)

    return in_transaction(ctx, events, work)


def cancel_inquiry(ctx: ServiceContext, events: EventContext, inquiry_id: str) -> dict[str, Any]:
    def work(conn, _emit):
        row = _open_inquiry(conn, inquiry_id)
        conn.execute(sa.update(purchase_inquiries).where(purchase_inquiries.c.id == row.id)
                     .values(status=rules.CANCELLED))
        return store.body(conn, store.load(conn, row.id))

    return in_transaction(ctx, events, work)

