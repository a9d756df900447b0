"""Quotes in SQL: loading with lines, the snapshot its events carry, the API's view,
and writing a quote with its lines."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.sales.domain.money import Amounts, pct_str, totals
from services.sales.domain.quotes import effective_status
from services.sales.models import quote_lines, quote_number_seq, quotes
from services.sales.ordering import new_number
from services.sales.orders_store import Emit
from shared.money import fmt

LINE_FIELDS = ("product_id", "product_name", "quantity", "unit_price", "discount_pct", "tax_rate",
               "net", "tax", "gross")


def load(conn: Connection, quote_id: str, *, lock: bool = False) -> dict[str, Any] | None:
    query = sa.select(quotes).where(quotes.c.id == quote_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    quote = dict(row)
    quote["lines"] = lines_of(conn, [quote_id])[quote_id]
    return quote


def lines_of(conn: Connection, quote_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {q: [] for q in quote_ids}
    if quote_ids:
        for r in conn.execute(sa.select(quote_lines).where(quote_lines.c.quote_id.in_(quote_ids))
                              .order_by(quote_lines.c.quote_id, quote_lines.c.line_no)).mappings():
            out[r["quote_id"]].append(dict(r))
    return out


def snapshot(quote: dict[str, Any], today: date) -> dict[str, Any]:
    return {
        "id": quote["id"], "number": quote["number"], "customer_id": quote["customer_id"],
        "owner_id": quote["owner_id"], "opportunity_id": quote["opportunity_id"],
        "status": effective_status(quote["status"], quote["valid_until"], today),
        "valid_until": quote["valid_until"].isoformat(),
        "net": fmt(quote["net"]), "tax": fmt(quote["tax"]), "gross": fmt(quote["gross"]),
        "order_id": quote["order_id"], "created_at": quote["created_at"].isoformat(),
        "needs_approval": quote["needs_approval"], "approval_status": quote["approval_status"],
    }


def view(quote: dict[str, Any], today: date) -> dict[str, Any]:
    out = snapshot(quote, today)
    out["lines"] = [{
        "product_id": ln["product_id"], "product_name": ln["product_name"], "quantity": ln["quantity"],
        "unit_price": fmt(ln["unit_price"]), "discount_pct": pct_str(ln["discount_pct"]),
        "tax_rate": pct_str(ln["tax_rate"]), "net": fmt(ln["net"]), "tax": fmt(ln["tax"]),
        "gross": fmt(ln["gross"]),
    } for ln in quote["lines"]]
    out["copied_from"] = quote["copied_from"]
    out["sent_at"] = quote["sent_at"].isoformat() if quote["sent_at"] else None
    out["updated_at"] = quote["updated_at"].isoformat()
    out["terms"] = quote["terms"]
    out["approval_note"] = quote["approval_note"]
    out["approval_comment"] = quote["approval_comment"]
    out["approval_by"] = quote["approval_by"]
    out["approval_at"] = quote["approval_at"].isoformat() if quote["approval_at"] else None
    return out


def publish(emit: Emit, event_type: str, quote: dict[str, Any], today: date, **extra: Any) -> None:
    emit(event_type, aggregate_type="quote", aggregate_id=quote["id"], data={**snapshot(quote, today), **extra},
         customer_id=quote["customer_id"])


def insert(conn: Connection, emit: Emit, *, customer_id: str, owner_id: str, opportunity_id: str | None,
           valid_until: date, lines: list[dict[str, Any]], today: date, needs_approval: bool,
           terms: str | None = None, copied_from: str | None = None) -> dict[str, Any]:
    quote_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    total = totals(Amounts(ln["net"], ln["tax"], ln["gross"]) for ln in lines)
    conn.execute(sa.insert(quotes).values(
        id=quote_id, number=new_number(conn, "QT", quote_number_seq), customer_id=customer_id,
        owner_id=owner_id, opportunity_id=opportunity_id, status="draft", valid_until=valid_until,
        net=total.net, tax=total.tax, gross=total.gross, copied_from=copied_from, created_at=now, updated_at=now,
        terms=terms, needs_approval=needs_approval,
    ))
    conn.execute(sa.insert(quote_lines), [
        {"quote_id": quote_id, "line_no": i, **{k: ln[k] for k in LINE_FIELDS}} for i, ln in enumerate(lines)
    ])
    quote = load(conn, quote_id)
    assert quote is not None
    publish(emit, "sales.quote.created", quote, today)
    return quote


def update(conn: Connection, quote: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changes["updated_at"] = datetime.now(UTC)
    conn.execute(sa.update(quotes).where(quotes.c.id == quote["id"]).values(**changes))
    return {**quote, **changes}


def replace_lines(conn: Connection, quote: dict[str, Any], lines: list[dict[str, Any]], *,
                  needs_approval: bool) -> dict[str, Any]:
    """A draft's new lines and the totals that follow from them; the quote as it is now.
    Whatever was approved or asked for no longer holds: the approval starts again."""
    total = totals(Amounts(ln["net"], ln["tax"], ln["gross"]) for ln in lines)
    conn.execute(sa.delete(quote_lines).where(quote_lines.c.quote_id == quote["id"]))
    conn.execute(sa.insert(quote_lines), [
        {"quote_id": quote["id"], "line_no": i, **{k: ln[k] for k in LINE_FIELDS}} for i, ln in enumerate(lines)
    ])
    quote = update(conn, quote, net=total.net, tax=total.tax, gross=total.gross, needs_approval=needs_approval,
                   approval_status=None, approval_note=None, approval_comment=None, approval_by=None,
                   approval_at=None)
    quote["lines"] = lines_of(conn, [quote["id"]])[quote["id"]]
    return quote


def priced_view(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Priced lines (not saved) and their totals as the API shows a quote's."""
    total = totals(Amounts(ln["net"], ln["tax"], ln["gross"]) for ln in lines)
    return {
        "lines": [{
            "product_id": ln["product_id"], "product_name": ln["product_name"], "quantity": ln["quantity"],
            "unit_price": fmt(ln["unit_price"]), "discount_pct": pct_str(ln["discount_pct"]),
            "tax_rate": pct_str(ln["tax_rate"]), "net": fmt(ln["net"]), "tax": fmt(ln["tax"]),
            "gross": fmt(ln["gross"]),
        } for ln in lines],
        "net": fmt(total.net), "tax": fmt(total.tax), "gross": fmt(total.gross),
    }
