"""Read models for the reports, kept from events alone.

Snapshot events are applied only when newer than the last applied for that aggregate
(`newer_than_applied`), so duplicates and out-of-order deliveries leave the newest
state. A payload that cannot be read (a field missing or of the wrong kind: `Unreadable`,
raised by the readers below) is logged and skipped: the event itself is still stored in
the timeline (a projection must never make tracking drop an event). Anything else a row
builder raises is a bug and fails loudly: the consumer retries, then dead-letters the
message, where it is seen and replayed once fixed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.tracking import ledger
from services.tracking.domain.periods import parse_event_time
from shared.consumer import HandlerTable, Reactions
from shared.envelope import Envelope
from shared.merges import Moved, merge_handlers
from shared.money import to_decimal

log = logging.getLogger("crm.tracking.projections")

PROJECTIONS = ("rm.customer", "rm.lead", "rm.opportunity", "rm.order", "rm.order_balance", "rm.invoice",
               "rm.payment", "rm.expense", "rm.product", "rm.competitor", "tracking.rm.merge")


class Unreadable(ValueError):
    """A known data problem in an event payload: the projection skips the event."""


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


def _int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unreadable(f"{key}: not a whole number")
    return value


def _objects(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise Unreadable(f"{key}: not a list of objects")
    return value


def _readable(fn: Callable[[Envelope], dict[str, Any]], event: Envelope) -> dict[str, Any] | None:
    """fn(event), or None when the payload has a known data problem (logged). A bug in fn
    (KeyError, TypeError, ...) is not caught."""
    try:
        return fn(event)
    except Unreadable as exc:
        log.warning("skipping unreadable %s %s in read models: %s", event.event_type, event.event_id, exc)
        return None


_GUARD = (
    "WITH guard AS (INSERT INTO projection_versions (projection, aggregate_id, last_seq) VALUES (:_p, :_a, :_s) "
    "ON CONFLICT (projection, aggregate_id) DO UPDATE SET last_seq = EXCLUDED.last_seq "
    "WHERE projection_versions.last_seq < EXCLUDED.last_seq RETURNING 1) "
)


def guarded(target: str, select_list: str, on_conflict: str, *more_ctes: str) -> sa.TextClause:
    """One statement = newer_than_applied (same table, same rule) + the upsert, applied only
    when the event is newer than the last applied for its aggregate: one round trip."""
    ctes = "".join(f", {c} " for c in more_ctes)
    return sa.text(_GUARD + ctes + f"INSERT INTO {target} SELECT {select_list} WHERE EXISTS (SELECT 1 FROM guard) "
                   + on_conflict)


def apply_guarded(conn: Connection, stmt: sa.TextClause, projection: str, event: Envelope,
                  row: dict[str, Any]) -> None:
    conn.execute(stmt, {**row, "_p": projection, "_a": str(event.aggregate_id), "_s": int(event.aggregate_seq)})


def _when(event: Envelope, key: str | None = None):
    return parse_event_time(event.data.get(key) if key else None, event.occurred_at)


# ---- customers and leads ---------------------------------------------------------------

def _customer_row(e: Envelope) -> dict[str, Any]:
    d = e.data
    return {"id": _req(d, "id"), "name": _opt(d, "name"), "owner": _req(d, "owner_id"),
            "status": _req(d, "status"), "created": _when(e, "created_at"),
            "lost": _when(e) if d.get("status") == "lost" else None, "region": _region(e),
            "industry": _industry(d.get("industry"))}


def _industry(value: Any) -> str | None:
    """The customer's industry as the reports group it: trimmed, blank as none."""
    return value.strip()[:100] or None if isinstance(value, str) else None


def _region(e: Envelope) -> str | None:
    return (e.region or None) and e.region[:40]


UPSERT_CUSTOMER = guarded(
    "rm_customers (customer_id, name, owner_id, status, created_at, lost_at, region, industry)",
    ":id, :name, :owner, :status, CAST(:created AS timestamptz), CAST(:lost AS timestamptz), :region, :industry",
    "ON CONFLICT (customer_id) DO UPDATE SET name = EXCLUDED.name, owner_id = EXCLUDED.owner_id, "
    "industry = EXCLUDED.industry, "
    "status = EXCLUDED.status, created_at = EXCLUDED.created_at, region = EXCLUDED.region, "
    "lost_at = CASE WHEN EXCLUDED.status <> 'lost' THEN NULL "
    "WHEN rm_customers.status = 'lost' THEN rm_customers.lost_at ELSE EXCLUDED.lost_at END"
)


def on_customer(conn: Connection, event: Envelope, _r: Reactions) -> None:
    row = _readable(_customer_row, event)
    if row:
        apply_guarded(conn, UPSERT_CUSTOMER, "rm.customer", event, row)
        ledger.refresh(conn, [row["id"]])  # its owner and region on the ledger row


def on_lead(conn: Connection, event: Envelope, _r: Reactions) -> None:
    """Leads are merged field by field (created and converted commute): conversion is final."""
    d = event.data
    if event.event_type.endswith(".converted"):
        row = _readable(lambda e: {"id": _req(d, "lead_id"), "owner": _opt(d, "owner_id"), "at": _when(e),
                                   "region": _region(e)}, event)
        if row:
            conn.execute(sa.text(
                "INSERT INTO rm_leads (lead_id, owner_id, status, converted_at, region) "
                "VALUES (:id, :owner, 'converted', :at, :region) "
                "ON CONFLICT (lead_id) DO UPDATE SET status = 'converted', "
                "region = COALESCE(rm_leads.region, EXCLUDED.region), "
                "owner_id = COALESCE(rm_leads.owner_id, EXCLUDED.owner_id), "
                "converted_at = COALESCE(rm_leads.converted_at, EXCLUDED.converted_at)"), row)
        return
    row = _readable(lambda e: {"id": _req(d, "id"), "owner": _opt(d, "owner_id"), "status": _req(d, "status"),
                               "at": _when(e), "seq": int(e.aggregate_seq), "region": _region(e)}, event)
    if row:
        conn.execute(sa.text(
            "INSERT INTO rm_leads (lead_id, owner_id, status, created_at, last_seq, region) "
            "VALUES (:id, :owner, :status, :at, :seq, :region) "
            "ON CONFLICT (lead_id) DO UPDATE SET region = EXCLUDED.region, "
            "owner_id = CASE WHEN EXCLUDED.last_seq > rm_leads.last_seq THEN EXCLUDED.owner_id ELSE rm_leads.owner_id END, "
            "status = CASE WHEN rm_leads.converted_at IS NOT NULL THEN 'converted' "
            "WHEN EXCLUDED.last_seq > rm_leads.last_seq THEN EXCLUDED.status ELSE rm_leads.status END, "
            "created_at = LEAST(COALESCE(rm_leads.created_at, EXCLUDED.created_at), EXCLUDED.created_at), "
            "last_seq = GREATEST(rm_leads.last_seq, EXCLUDED.last_seq)"), row)


# ---- sales -----------------------------------------------------------------------------

def _opportunity_row(e: Envelope) -> dict[str, Any]:
    d = e.data
    return {"id": _req(d, "id"), "customer": _req(d, "customer_id"), "owner": _req(d, "owner_id"),
            "stage": _req(d, "stage"), "amount": _money(d, "amount", "0"), "created": _when(e, "created_at"),
            "region": _region(e), "lost_to": _opt(d, "lost_to_competitor_id")}


def on_opportunity(conn: Connection, event: Envelope, _r: Reactions) -> None:
    row = _readable(_opportunity_row, event)
    if row:
        apply_guarded(conn, _UPSERT_OPPORTUNITY, "rm.opportunity", event, row)


_UPSERT_OPPORTUNITY = guarded(
    "rm_opportunities (opportunity_id, customer_id, owner_id, stage, amount, created_at, region, "
    "lost_to_competitor_id)",
    ":id, :customer, :owner, :stage, CAST(:amount AS numeric), CAST(:created AS timestamptz), :region, :lost_to",
    "ON CONFLICT (opportunity_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, "
    "owner_id = EXCLUDED.owner_id, stage = EXCLUDED.stage, amount = EXCLUDED.amount, "
    "created_at = EXCLUDED.created_at, region = EXCLUDED.region, "
    "lost_to_competitor_id = EXCLUDED.lost_to_competitor_id")


def _order_row(e: Envelope) -> dict[str, Any]:
    d = e.data
    lines = []
    for i, line in enumerate(_objects(d, "lines")):
        lines.append({"order": _req(d, "id"), "no": i, "product": _req(line, "product_id"),
                      "qty": _int(line, "quantity"), "net": _money(line, "net"), "gross": _money(line, "gross")})
    return {"id": _req(d, "id"), "number": _opt(d, "number") or "", "customer": _req(d, "customer_id"),
            "owner": _req(d, "owner_id"), "status": _req(d, "status"),
            "payment_status": _opt(d, "payment_status") or "unpaid",
            "net": _money(d, "net"), "tax": _money(d, "tax", "0"), "gross": _money(d, "gross"),
            "invoiced": _money(d, "invoiced_amount", "0"), "paid": _money(d, "paid_amount", "0"),
            "created": _when(e, "created_at"), "region": _region(e), "lines": lines}


def on_order(conn: Connection, event: Envelope, _r: Reactions) -> None:
    row = _readable(_order_row, event)
    if not row:
        return
    lines = row.pop("lines")
    row.update(n_lines=len(lines), l_product=[x["product"] for x in lines], l_qty=[x["qty"] for x in lines],
               l_net=[x["net"] for x in lines], l_gross=[x["gross"] for x in lines])
    apply_guarded(conn, _UPSERT_ORDER, "rm.order", event, row)


# order, its lines (upserted by position) and the removal of lines past the new count: one statement
_UPSERT_ORDER = guarded(
    "rm_order_lines (order_id, line_no, product_id, quantity, net, gross)",
    ":id, CAST(t.n AS int) - 1, t.p, t.q, t.ne, t.g FROM unnest(CAST(:l_product AS varchar[]), "
    "CAST(:l_qty AS int[]), CAST(:l_net AS numeric[]), CAST(:l_gross AS numeric[])) WITH ORDINALITY AS t(p, q, ne, g, n)",
    "ON CONFLICT (order_id, line_no) DO UPDATE SET product_id = EXCLUDED.product_id, "
    "quantity = EXCLUDED.quantity, net = EXCLUDED.net, gross = EXCLUDED.gross",
    "o AS (INSERT INTO rm_orders (order_id, number, customer_id, owner_id, status, payment_status, net, tax, gross, "
    "invoiced_amount, paid_amount, created_at, region) SELECT :id, :number, :customer, :owner, :status, "
    ":payment_status, CAST(:net AS numeric), CAST(:tax AS numeric), CAST(:gross AS numeric), "
    "CAST(:invoiced AS numeric), CAST(:paid AS numeric), CAST(:created AS timestamptz), :region "
    "WHERE EXISTS (SELECT 1 FROM guard) "
    "ON CONFLICT (order_id) DO UPDATE SET number = EXCLUDED.number, customer_id = EXCLUDED.customer_id, "
    "owner_id = EXCLUDED.owner_id, status = EXCLUDED.status, payment_status = EXCLUDED.payment_status, "
    "net = EXCLUDED.net, tax = EXCLUDED.tax, gross = EXCLUDED.gross, "
    "invoiced_amount = EXCLUDED.invoiced_amount, paid_amount = EXCLUDED.paid_amount, "
    "created_at = EXCLUDED.created_at, region = EXCLUDED.region RETURNING 1)",
    "d AS (DELETE FROM rm_order_lines WHERE order_id = :id AND line_no >= :n_lines "
    "AND EXISTS (SELECT 1 FROM guard) RETURNING 1)",
)


# ---- billing ---------------------------------------------------------------------------

def _customer_of(conn: Connection, table: str, key: str, row_id: str) -> str | None:
    """The customer a stored invoice or payment is on now (an update may move it: both
    customers' ledger rows are recomputed)."""
    return conn.execute(sa.text(f"SELECT customer_id FROM {table} WHERE {key} = :id"), {"id": row_id}).scalar()


def on_order_balance(conn: Connection, event: Envelope, _r: Reactions) -> None:
    d = event.data
    row = _readable(lambda e: {"id": _req(d, "order_id"), "customer": _req(d, "customer_id"),
                               "invoiced": _money(d, "invoiced_amount", "0"), "paid": _money(d, "paid_amount")},
                    event)
    if row:
        apply_guarded(conn, _UPSERT_BALANCE, "rm.order_balance", event, row)


def on_invoice(conn: Connection, event: Envelope, _r: Reactions) -> None:
    d = event.data
    row = _readable(lambda e: {"id": _req(d, "id"), "order": _opt(d, "order_id"), "customer": _req(d, "customer_id"),
                               "amount": _money(d, "amount"), "status": _opt(d, "status") or "issued",
                               "issued": _when(e, "issued_at")}, event)
    if row:
        before = _customer_of(conn, "rm_invoices", "invoice_id", row["id"])
        apply_guarded(conn, _UPSERT_INVOICE, "rm.invoice", event, row)
        ledger.refresh(conn, [before, row["customer"]])


def on_payment(conn: Connection, event: Envelope, _r: Reactions) -> None:
    """Payments that count, in CNY (amount_cny, converted by billing at the day's stored
    rate): billing.payment.received only. A rep's unconfirmed cash payment
    (billing.payment.recorded) or a rejected one counts nowhere until finance confirms it."""
    d = event.data
    if event.event_type != "billing.payment.received" or d.get("status", "confirmed") != "confirmed":
        return
    if "amount_cny" not in d or "customer_id" not in d:
        return  # not a receipt
    row = _readable(lambda e: {"id": _req(d, "id"), "customer": _req(d, "customer_id"), "order": _opt(d, "order_id"),
                               "amount": _money(d, "amount_cny"), "received": _when(e, "received_at")}, event)
    if row:
        before = _customer_of(conn, "rm_payments", "payment_id", row["id"])
        apply_guarded(conn, _UPSERT_PAYMENT, "rm.payment", event, row)
        ledger.refresh(conn, [before, row["customer"]])


def on_expense(conn: Connection, event: Envelope, _r: Reactions) -> None:
    d = event.data
    row = _readable(lambda e: {"id": _req(d, "id"), "submitter": _req(d, "submitter_id"),
                               "customer": _opt(d, "customer_id"), "order": _opt(d, "order_id"),
                               "amount": _money(d, "amount"), "status": _req(d, "status"), "at": _when(e),
                               "region": _region(e)}, event)
    if row:
        apply_guarded(conn, _UPSERT_EXPENSE, "rm.expense", event, row)


# ---- inventory -------------------------------------------------------------------------

def on_product(conn: Connection, event: Envelope, _r: Reactions) -> None:
    d = event.data
    row = _readable(lambda e: {"id": _req(d, "id"), "sku": _opt(d, "sku") or "", "name": _opt(d, "name") or "",
                               "list": _money(d, "list_price", "0"),
                               "cost": None if d.get("cost_price") is None else _money(d, "cost_price")}, event)
    if row:
        apply_guarded(conn, _UPSERT_PRODUCT, "rm.product", event, row)


_UPSERT_BALANCE = guarded(
    "rm_order_balances (order_id, customer_id, invoiced_amount, paid_amount)",
    ":id, :customer, CAST(:invoiced AS numeric), CAST(:paid AS numeric)",
    "ON CONFLICT (order_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, invoiced_amount = EXCLUDED.invoiced_amount, paid_amount = EXCLUDED.paid_amount")

_UPSERT_INVOICE = guarded(
    "rm_invoices (invoice_id, order_id, customer_id, amount, status, issued_at)",
    ":id, :order, :customer, CAST(:amount AS numeric), :status, CAST(:issued AS timestamptz)",
    "ON CONFLICT (invoice_id) DO UPDATE SET order_id = EXCLUDED.order_id, customer_id = EXCLUDED.customer_id, amount = EXCLUDED.amount, status = EXCLUDED.status, issued_at = EXCLUDED.issued_at")

_UPSERT_PAYMENT = guarded(
    "rm_payments (payment_id, customer_id, order_id, amount_cny, received_at)",
    ":id, :customer, :order, CAST(:amount AS numeric), CAST(:received AS timestamptz)",
    "ON CONFLICT (payment_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, order_id = EXCLUDED.order_id, amount_cny = EXCLUDED.amount_cny, received_at = EXCLUDED.received_at")

_UPSERT_EXPENSE = guarded(
    "rm_expenses (expense_id, submitter_id, customer_id, order_id, amount, status, submitted_at, region)",
    ":id, :submitter, :customer, :order, CAST(:amount AS numeric), :status, CAST(:at AS timestamptz), :region",
    "ON CONFLICT (expense_id) DO UPDATE SET region = EXCLUDED.region, submitter_id = EXCLUDED.submitter_id, customer_id = EXCLUDED.customer_id, order_id = EXCLUDED.order_id, amount = EXCLUDED.amount, status = EXCLUDED.status, submitted_at = LEAST(rm_expenses.submitted_at, EXCLUDED.submitted_at)")

_UPSERT_PRODUCT = guarded(
    "rm_products (product_id, sku, name, list_price, cost_price)",
    ":id, :sku, :name, CAST(:list AS numeric), CAST(:cost AS numeric)",
    "ON CONFLICT (product_id) DO UPDATE SET sku = EXCLUDED.sku, name = EXCLUDED.name, list_price = EXCLUDED.list_price, cost_price = EXCLUDED.cost_price")


def on_competitor(conn: Connection, event: Envelope, _r: Reactions) -> None:
    d = event.data
    row = _readable(lambda e: {"id": _req(d, "id"), "name": (_opt(d, "name") or "")[:200]}, event)
    if row:
        apply_guarded(conn, _UPSERT_COMPETITOR, "rm.competitor", event, row)


_UPSERT_COMPETITOR = guarded(
    "rm_competitors (competitor_id, name)", ":id, :name",
    "ON CONFLICT (competitor_id) DO UPDATE SET name = EXCLUDED.name")


# Read models that follow a merge of duplicate customers (shared.merges); the per-customer
# ledger is recomputed for both after each move
MERGED_READ_MODELS = (
    Moved("rm_opportunities", id_column="opportunity_id"), Moved("rm_orders", id_column="order_id"),
    Moved("rm_order_balances", id_column="order_id"), Moved("rm_invoices", id_column="invoice_id"),
    Moved("rm_payments", id_column="payment_id"), Moved("rm_expenses", id_column="expense_id"),
)


def _refresh_ledger(conn: Connection, duplicate_id: str, survivor_id: str) -> None:
    ledger.refresh(conn, [duplicate_id, survivor_id])


UPSERT_TARGET = sa.text(
    "INSERT INTO rm_sales_targets (owner_id, month, amount, last_seq) VALUES (:owner, :month, :amount, :seq) "
    "ON CONFLICT (owner_id, month) DO UPDATE SET amount = EXCLUDED.amount, last_seq = EXCLUDED.last_seq "
    "WHERE rm_sales_targets.last_seq < EXCLUDED.last_seq")


def on_sales_target(conn: Connection, event: Envelope, _r: Reactions) -> None:
    """A rep's target for a month: set, changed or removed (amount null), newest wins."""
    d = event.data
    removed = event.event_type.endswith(".removed")
    row = _readable(lambda e: {"owner": _req(d, "owner_id"), "month": str(_req(d, "month"))[:7],
                               "amount": None if removed else _money(d, "amount", "0"),
                               "seq": int(e.aggregate_seq)}, event)
    if row:
        conn.execute(UPSERT_TARGET, row)


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
    table.add("customer.competitor.#", on_competitor, name="tracking.rm.competitor")
    table.add("sales.target.#", on_sales_target, name="tracking.rm.sales_target")
    table.extend(merge_handlers("tracking.rm", MERGED_READ_MODELS, after=_refresh_ledger))  # issue 17
    return table
