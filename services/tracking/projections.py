"""Read models for the reports, kept from events alone.

Snapshot events are applied only when newer than the last applied for that aggregate
(`newer_than_applied`), so duplicates and out-of-order deliveries leave the newest
state. A payload that cannot be read is logged and skipped: the event itself is still
stored in the timeline (a projection must never make tracking drop an event)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.tracking.domain.periods import parse_event_time
from shared.consumer import HandlerTable, Reactions, newer_than_applied
from shared.envelope import Envelope
from shared.money import to_decimal

log = logging.getLogger("crm.tracking.projections")

PROJECTIONS = ("rm.customer", "rm.lead", "rm.opportunity", "rm.order", "rm.order_balance", "rm.invoice",
               "rm.payment", "rm.expense", "rm.product")


class Unreadable(ValueError):
    pass


def _money(data: dict[str, Any], key: str, default: str | None = None) -> Decimal:
    value = data.get(key, default)
    try:
        return to_decimal(value)
    except ValueError as exc:
        raise Unreadable(f"{key}: {exc}") from exc


def _req(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise Unreadable(f"{key} missing")
    return value


def _opt(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _readable(fn: Callable[[Envelope], dict[str, Any]], event: Envelope) -> dict[str, Any] | None:
    try:
        return fn(event)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("skipping unreadable %s %s in read models: %s", event.event_type, event.event_id, exc)
        return None


def _when(event: Envelope, key: str | None = None):
    return parse_event_time(event.data.get(key) if key else None, event.occurred_at)


# ---- customers and leads ---------------------------------------------------------------

def _customer_row(e: Envelope) -> dict[str, Any]:
    d = e.data
    return {"id": _req(d, "id"), "name": _opt(d, "name"), "owner": _req(d, "owner_id"),
            "status": _req(d, "status"), "created": _when(e, "created_at"),
            "lost": _when(e) if d.get("status") == "lost" else None}


UPSERT_CUSTOMER = sa.text(
    "INSERT INTO rm_customers (customer_id, name, owner_id, status, created_at, lost_at) "
    "VALUES (:id, :name, :owner, :status, :created, :lost) "
    "ON CONFLICT (customer_id) DO UPDATE SET name = EXCLUDED.name, owner_id = EXCLUDED.owner_id, "
    "status = EXCLUDED.status, created_at = EXCLUDED.created_at, "
    "lost_at = CASE WHEN EXCLUDED.status <> 'lost' THEN NULL "
    "WHEN rm_customers.status = 'lost' THEN rm_customers.lost_at ELSE EXCLUDED.lost_at END"
)


def on_customer(conn: Connection, event: Envelope, _r: Reactions) -> None:
    row = _readable(_customer_row, event)
    if row and newer_than_applied(conn, "rm.customer", event.aggregate_id, event.aggregate_seq):
        conn.execute(UPSERT_CUSTOMER, row)


def on_lead(conn: Connection, event: Envelope, _r: Reactions) -> None:
    """Leads are merged field by field (created and converted commute): conversion is final."""
    d = event.data
    if event.event_type.endswith(".converted"):
        row = _readable(lambda e: {"id": _req(d, "lead_id"), "owner": _opt(d, "owner_id"), "at": _when(e)}, event)
        if row:
            conn.execute(sa.text(
                "INSERT INTO rm_leads (lead_id, owner_id, status, converted_at) VALUES (:id, :owner, 'converted', :at) "
                "ON CONFLICT (lead_id) DO UPDATE SET status = 'converted', "
                "owner_id = COALESCE(rm_leads.owner_id, EXCLUDED.owner_id), "
                "converted_at = COALESCE(rm_leads.converted_at, EXCLUDED.converted_at)"), row)
        return
    row = _readable(lambda e: {"id": _req(d, "id"), "owner": _opt(d, "owner_id"), "status": _req(d, "status"),
                               "at": _when(e), "seq": int(e.aggregate_seq)}, event)
    if row:
        conn.execute(sa.text(
            "INSERT INTO rm_leads (lead_id, owner_id, status, created_at, last_seq) "
            "VALUES (:id, :owner, :status, :at, :seq) "
            "ON CONFLICT (lead_id) DO UPDATE SET "
            "owner_id = CASE WHEN EXCLUDED.last_seq > rm_leads.last_seq THEN EXCLUDED.owner_id ELSE rm_leads.owner_id END, "
            "status = CASE WHEN rm_leads.converted_at IS NOT NULL THEN 'converted' "
            "WHEN EXCLUDED.last_seq > rm_leads.last_seq THEN EXCLUDED.status ELSE rm_leads.status END, "
            "created_at = LEAST(COALESCE(rm_leads.created_at, EXCLUDED.created_at), EXCLUDED.created_at), "
            "last_seq = GREATEST(rm_leads.last_seq, EXCLUDED.last_seq)"), row)


# ---- sales -----------------------------------------------------------------------------

def _opportunity_row(e: Envelope) -> dict[str, Any]:
    d = e.data
    return {"id": _req(d, "id"), "customer": _req(d, "customer_id"), "owner": _req(d, "owner_id"),
            "stage": _req(d, "stage"), "amount": _money(d, "amount", "0"), "created": _when(e, "created_at")}


def on_opportunity(conn: Connection, event: Envelope, _r: Reactions) -> None:
    row = _readable(_opportunity_row, event)
    if row and newer_than_applied(conn, "rm.opportunity", event.aggregate_id, event.aggregate_seq):
        conn.execute(sa.text(
            "INSERT INTO rm_opportunities (opportunity_id, customer_id, owner_id, stage, amount, created_at) "
            "VALUES (:id, :customer, :owner, :stage, :amount, :created) "
            "ON CONFLICT (opportunity_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, "
            "owner_id = EXCLUDED.owner_id, stage = EXCLUDED.stage, amount = EXCLUDED.amount, "
            "created_at = EXCLUDED.created_at"), row)


def _order_row(e: Envelope) -> dict[str, Any]:
    d = e.data
    lines = []
    for i, line in enumerate(d["lines"]):
        lines.append({"order": _req(d, "id"), "no": i, "product": _req(line, "product_id"),
                      "qty": int(line["quantity"]), "net": _money(line, "net"), "gross": _money(line, "gross")})
    return {"id": _req(d, "id"), "number": _opt(d, "number") or "", "customer": _req(d, "customer_id"),
            "owner": _req(d, "owner_id"), "status": _req(d, "status"),
            "payment_status": _opt(d, "payment_status") or "unpaid",
            "net": _money(d, "net"), "tax": _money(d, "tax", "0"), "gross": _money(d, "gross"),
            "invoiced": _money(d, "invoiced_amount", "0"), "paid": _money(d, "paid_amount", "0"),
            "created": _when(e, "created_at"), "lines": lines}


def on_order(conn: Connection, event: Envelope, _r: Reactions) -> None:
    row = _readable(_order_row, event)
    if not row or not newer_than_applied(conn, "rm.order", event.aggregate_id, event.aggregate_seq):
        return
    conn.execute(sa.text(
        "INSERT INTO rm_orders (order_id, number, customer_id, owner_id, status, payment_status, net, tax, gross, "
        "invoiced_amount, paid_amount, created_at) VALUES (:id, :number, :customer, :owner, :status, "
        ":payment_status, :net, :tax, :gross, :invoiced, :paid, :created) "
        "ON CONFLICT (order_id) DO UPDATE SET number = EXCLUDED.number, customer_id = EXCLUDED.customer_id, "
        "owner_id = EXCLUDED.owner_id, status = EXCLUDED.status, payment_status = EXCLUDED.payment_status, "
        "net = EXCLUDED.net, tax = EXCLUDED.tax, gross = EXCLUDED.gross, "
        "invoiced_amount = EXCLUDED.invoiced_amount, paid_amount = EXCLUDED.paid_amount, "
        "created_at = EXCLUDED.created_at"), row)
    conn.execute(sa.text("DELETE FROM rm_order_lines WHERE order_id = :id"), {"id": row["id"]})
    if row["lines"]:
        conn.execute(sa.text(
            "INSERT INTO rm_order_lines (order_id, line_no, product_id, quantity, net, gross) "
            "VALUES (:order, :no, :product, :qty, :net, :gross)"), row["lines"])


# ---- billing ---------------------------------------------------------------------------

def on_order_balance(conn: Connection, event: Envelope, _r: Reactions) -> None:
    d = event.data
    row = _readable(lambda e: {"id": _req(d, "order_id"), "customer": _req(d, "customer_id"),
                               "invoiced": _money(d, "invoiced_amount", "0"), "paid": _money(d, "paid_amount")},
                    event)
    if row and newer_than_applied(conn, "rm.order_balance", event.aggregate_id, event.aggregate_seq):
        conn.execute(sa.text(
            "INSERT INTO rm_order_balances (order_id, customer_id, invoiced_amount, paid_amount) "
            "VALUES (:id, :customer, :invoiced, :paid) ON CONFLICT (order_id) DO UPDATE SET "
            "customer_id = EXCLUDED.customer_id, invoiced_amount = EXCLUDED.invoiced_amount, "
            "paid_amount = EXCLUDED.paid_amount"), row)


def on_invoice(conn: Connection, event: Envelope, _r: Reactions) -> None:
    d = event.data
    row = _readable(lambda e: {"id": _req(d, "id"), "order": _opt(d, "order_id"), "customer": _req(d, "customer_id"),
                               "amount": _money(d, "amount"), "status": _opt(d, "status") or "issued",
                               "issued": _when(e, "issued_at")}, event)
    if row and newer_than_applied(conn, "rm.invoice", event.aggregate_id, event.aggregate_seq):
        conn.execute(sa.text(
            "INSERT INTO rm_invoices (invoice_id, order_id, customer_id, amount, status, issued_at) "
            "VALUES (:id, :order, :customer, :amount, :status, :issued) ON CONFLICT (invoice_id) DO UPDATE SET "
            "order_id = EXCLUDED.order_id, customer_id = EXCLUDED.customer_id, amount = EXCLUDED.amount, "
            "status = EXCLUDED.status, issued_at = EXCLUDED.issued_at"), row)


def on_payment(conn: Connection, event: Envelope, _r: Reactions) -> None:
    """Payments in CNY (amount_cny, converted by billing at the day's stored rate)."""
    d = event.data
    if "amount_cny" not in d or "customer_id" not in d:
        return  # e.g. a future payment.* event that is no receipt
    row = _readable(lambda e: {"id": _req(d, "id"), "customer": _req(d, "customer_id"), "order": _opt(d, "order_id"),
                               "amount": _money(d, "amount_cny"), "received": _when(e, "received_at")}, event)
    if row and newer_than_applied(conn, "rm.payment", event.aggregate_id, event.aggregate_seq):
        conn.execute(sa.text(
            "INSERT INTO rm_payments (payment_id, customer_id, order_id, amount_cny, received_at) "
            "VALUES (:id, :customer, :order, :amount, :received) ON CONFLICT (payment_id) DO UPDATE SET "
            "customer_id = EXCLUDED.customer_id, order_id = EXCLUDED.order_id, "
            "amount_cny = EXCLUDED.amount_cny, received_at = EXCLUDED.received_at"), row)


def on_expense(conn: Connection, event: Envelope, _r: Reactions) -> None:
    d = event.data
    row = _readable(lambda e: {"id": _req(d, "id"), "submitter": _req(d, "submitter_id"),
                               "customer": _opt(d, "customer_id"), "order": _opt(d, "order_id"),
                               "amount": _money(d, "amount"), "status": _req(d, "status"), "at": _when(e)}, event)
    if row and newer_than_applied(conn, "rm.expense", event.aggregate_id, event.aggregate_seq):
        conn.execute(sa.text(
            "INSERT INTO rm_expenses (expense_id, submitter_id, customer_id, order_id, amount, status, submitted_at) "
            "VALUES (:id, :submitter, :customer, :order, :amount, :status, :at) ON CONFLICT (expense_id) DO UPDATE "
            "SET submitter_id = EXCLUDED.submitter_id, customer_id = EXCLUDED.customer_id, "
            "order_id = EXCLUDED.order_id, amount = EXCLUDED.amount, status = EXCLUDED.status, "
            "submitted_at = LEAST(rm_expenses.submitted_at, EXCLUDED.submitted_at)"), row)


# ---- inventory -------------------------------------------------------------------------

def on_product(conn: Connection, event: Envelope, _r: Reactions) -> None:
    d = event.data
    row = _readable(lambda e: {"id": _req(d, "id"), "sku": _opt(d, "sku") or "", "name": _opt(d, "name") or "",
                               "list": _money(d, "list_price", "0"),
                               "cost": None if d.get("cost_price") is None else _money(d, "cost_price")}, event)
    if row and newer_than_applied(conn, "rm.product", event.aggregate_id, event.aggregate_seq):
        conn.execute(sa.text(
            "INSERT INTO rm_products (product_id, sku, name, list_price, cost_price) "
            "VALUES (:id, :sku, :name, :list, :cost) ON CONFLICT (product_id) DO UPDATE SET sku = EXCLUDED.sku, "
            "name = EXCLUDED.name, list_price = EXCLUDED.list_price, cost_price = EXCLUDED.cost_price"), row)


def projection_handlers() -> HandlerTable:
    table = HandlerTable()
    table.add("customer.customer.#", on_customer, name="tracking.rm.customer")
    table.add("customer.lead.#", on_lead, name="tracking.rm.lead")
    table.add("sales.opportunity.#", on_opportunity, name="tracking.rm.opportunity")
    table.add("sales.order.#", on_order, name="tracking.rm.order")
    table.add("billing.order_balance.#", on_order_balance, name="tracking.rm.order_balance")
    table.add("billing.invoice.#", on_invoice, name="tracking.rm.invoice")
    table.add("billing.payment.#", on_payment, name="tracking.rm.payment")
    table.add("billing.expense.#", on_expense, name="tracking.rm.expense")
    table.add("inventory.product.#", on_product, name="tracking.rm.product")
    return table
