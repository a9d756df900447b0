"""Reading and writing orders (SQL), the snapshot every sales.order.* event carries, and
the API's view of an order. Shared by the API and the event handlers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.sales.domain.money import pct_str
from services.sales.models import order_lines, orders
from shared.money import fmt

# (event_type, *, aggregate_type, aggregate_id, data, customer_id) -> Envelope:
# ctx.outbox.add bound to a connection and context, or Reactions.emit in a handler.
Emit = Callable[..., Any]


def load_order(conn: Connection, order_id: str, *, lock: bool = False) -> dict[str, Any] | None:
    query = sa.select(orders).where(orders.c.id == order_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    order = dict(row)
    order["lines"] = [
        dict(r) for r in conn.execute(
            sa.select(order_lines).where(order_lines.c.order_id == order_id).order_by(order_lines.c.line_no)
        ).mappings()
    ]
    return order


def load_lines_for(conn: Connection, order_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {oid: [] for oid in order_ids}
    if not order_ids:
        return out
    rows = conn.execute(
        sa.select(order_lines).where(order_lines.c.order_id.in_(order_ids))
        .order_by(order_lines.c.order_id, order_lines.c.line_no)
    ).mappings()
    for r in rows:
        out[r["order_id"]].append(dict(r))
    return out


def _line_view(line: dict[str, Any]) -> dict[str, Any]:
    return {
        "product_id": line["product_id"],
        "quantity": line["quantity"],
        "unit_price": fmt(line["unit_price"]),
        "discount_pct": pct_str(line["discount_pct"]),
        "tax_rate": pct_str(line["tax_rate"]),
        "net": fmt(line["net"]),
        "tax": fmt(line["tax"]),
        "gross": fmt(line["gross"]),
        "shipped_quantity": line["shipped_quantity"],
        "delivery_date": _iso(line.get("delivery_date")),
    }


def _iso(day: Any) -> str | None:
    return day.isoformat() if day else None


def snapshot(order: dict[str, Any]) -> dict[str, Any]:
    """The full state, as the OrderSnapshot schema of shared/events/sales.py has it."""
    return {
        "id": order["id"],
        "number": order["number"],
        "customer_id": order["customer_id"],
        "owner_id": order["owner_id"],
        "warehouse_id": order["warehouse_id"],
        "quote_id": order["quote_id"],
        "status": order["status"],
        "payment_status": order["payment_status"],
        "lines": [_line_view(line) for line in order["lines"]],
        "net": fmt(order["net"]),
        "tax": fmt(order["tax"]),
        "gross": fmt(order["gross"]),
        "invoiced_amount": fmt(order["invoiced_amount"]),
        "paid_amount": fmt(order["paid_amount"]),
        "reason": order["reason"],
        "created_at": order["created_at"].isoformat(),
        "fees": [dict(fee) for fee in order.get("fees") or []],
        "delivery_date": _iso(order.get("delivery_date")),
    }


def view(order: dict[str, Any]) -> dict[str, Any]:
    """The API's order: the snapshot plus names and bookkeeping."""
    out = snapshot(order)
    for line, src in zip(out["lines"], order["lines"], strict=True):
        line["product_name"] = src["product_name"]
    out["approved_by"] = order["approved_by"]
    out["created_by"] = order.get("created_by")
    out["edited_by"] = order.get("edited_by")
    out["reserved_warehouse_id"] = order["reserved_warehouse_id"]
    out["updated_at"] = order["updated_at"].isoformat()
    return out


def update_order(conn: Connection, order: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Write changes to the order row and return the order as it is now."""
    changes["updated_at"] = datetime.now(UTC)
    conn.execute(sa.update(orders).where(orders.c.id == order["id"]).values(**changes))
    return {**order, **changes}


def publish(emit: Emit, event_type: str, order: dict[str, Any]) -> None:
    emit(event_type, aggregate_type="order", aggregate_id=order["id"], data=snapshot(order),
         customer_id=order["customer_id"])


def last_prices(conn: Connection, customer_id: str, product_ids: list[str]) -> dict[str, Any]:
    """Per product, the unit price last charged to this customer (on an order that was
    not rejected or cancelled); products never sold to them are absent."""
    if not product_ids:
        return {}
    rows = conn.execute(sa.text(
        "SELECT DISTINCT ON (l.product_id) l.product_id, l.unit_price FROM order_lines l "
        "JOIN orders o ON o.id = l.order_id "
        "WHERE l.customer_id = :c AND l.product_id = ANY(:p) AND o.status NOT IN ('rejected', 'cancelled') "
        "ORDER BY l.product_id, l.created_at DESC, l.order_id DESC"
    ), {"c": customer_id, "p": sorted(set(product_ids))})
    return {pid: price for pid, price in rows}
