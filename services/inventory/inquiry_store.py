"""Purchase inquiries in SQL: one inquiry with its lines, the suppliers asked, their offers
and the comparison (domain/inquiries.py), as the API answers it."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.inventory.domain import inquiries as rules
from services.inventory.models import (
    products,
    purchase_inquiries,
    purchase_inquiry_lines,
    purchase_inquiry_offers,
    purchase_inquiry_suppliers,
    suppliers,
)
from shared.errors import NotFound
from shared.money import fmt_optional
from shared.web import iso


def load(conn: Connection, inquiry_id: str, *, lock: bool = False) -> Row:
    query = sa.select(purchase_inquiries).where(purchase_inquiries.c.id == inquiry_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("purchase inquiry not found")
    return row


def quantities(conn: Connection, inquiry_id: str) -> dict[str, int]:
    return {r.product_id: r.quantity for r in conn.execute(
        sa.select(purchase_inquiry_lines).where(purchase_inquiry_lines.c.inquiry_id == inquiry_id))}


def offers_of(conn: Connection, inquiry_id: str) -> dict[str, dict[str, tuple[Decimal, int | None]]]:
    out: dict[str, dict[str, tuple[Decimal, int | None]]] = defaultdict(dict)
    for r in conn.execute(sa.select(purchase_inquiry_offers).where(purchase_inquiry_offers.c.inquiry_id == inquiry_id)):
        out[r.supplier_id][r.product_id] = (r.unit_price, r.lead_days)
    return dict(out)


def body(conn: Connection, row: Row, *, detail: bool = True) -> dict[str, Any]:
    """The inquiry; with detail, its lines (product names), the suppliers asked with their
    offers, and the comparison (cheapest complete offer first)."""
    answer: dict[str, Any] = {
        "id": row.id, "warehouse_id": row.warehouse_id, "status": row.status, "note": row.note,
        "reply_by": row.reply_by.isoformat() if row.reply_by else None,
        "purchase_order_id": row.purchase_order_id, "ordered_supplier_id": row.ordered_supplier_id,
        "actor_id": row.actor_id, "created_at": iso(row.created_at),
    }
    asked = conn.execute(
        sa.select(purchase_inquiry_suppliers, suppliers.c.name)
        .join(suppliers, suppliers.c.id == purchase_inquiry_suppliers.c.supplier_id)
        .where(purchase_inquiry_suppliers.c.inquiry_id == row.id).order_by(suppliers.c.name)).all()
    answer["suppliers_asked"] = len(asked)
    answer["suppliers_replied"] = sum(1 for a in asked if a.replied_at)
    if not detail:
        return answer
    wanted = quantities(conn, row.id)
    names = {r.id: (r.sku, r.name) for r in conn.execute(
        sa.select(products.c.id, products.c.sku, products.c.name).where(products.c.id.in_(list(wanted))))}
    answer["lines"] = [{"product_id": pid, "sku": names.get(pid, ("", ""))[0], "product_name": names.get(pid, ("", ""))[1],
                        "quantity": qty} for pid, qty in sorted(wanted.items(), key=lambda kv: names.get(kv[0], ("", ""))[0])]
    offers = offers_of(conn, row.id)
    compared, best = rules.compare(wanted, offers)
    summary = {o.supplier_id: o for o in compared}
    answer["suppliers"] = []
    rank = {o.supplier_id: i for i, o in enumerate(compared)}  # cheapest first, then those without an offer
    for a in sorted(asked, key=lambda a: (rank.get(a.supplier_id, len(rank)), a.name)):
        offer = summary.get(a.supplier_id)
        answer["suppliers"].append({
            "supplier_id": a.supplier_id, "name": a.name, "replied_at": iso(a.replied_at), "reply_note": a.reply_note,
            "total": fmt_optional(offer.total) if offer else None, "priced_lines": offer.priced if offer else 0,
            "complete": bool(offer and offer.complete), "lead_days": offer.lead_days if offer else None,
            "cheapest": a.supplier_id == best,
            "offers": [{"product_id": pid, "unit_price": fmt_optional(price), "lead_days": lead,
                        "amount": fmt_optional((price * wanted[pid]).quantize(Decimal("0.01")))}
                       for pid, (price, lead) in sorted(offers.get(a.supplier_id, {}).items()) if pid in wanted],
        })
    answer["cheapest_supplier_id"] = best
    return answer
