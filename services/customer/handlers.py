"""The customer service's event handlers: the users copy (gateway.user.*; it owns
customers, so it writes acl_customers itself in its own transactions); for service orders
the product and stock copies and inventory's answers to spare parts lines
(services/customer/service_parts.py); for documents which customer each sales record belongs
to (services/customer/related_records.py); for the calendar, quotes' validity ends
(sales.quote.*, `quote_deadlines`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from services.customer.commands.handover import record_opportunities
from services.customer.models import quote_deadlines
from services.customer.related_records import related_record_handlers
from services.customer.service_parts import service_part_handlers
from shared.consumer import HandlerTable, Reactions, newer_than_applied
from shared.envelope import Envelope
from shared.visibility import visibility_handlers


def on_quote(conn: Connection, event: Envelope, _r: Reactions) -> None:
    """The newest snapshot of a quote (by aggregate_seq) replaces the copy; a redelivered or
    older one changes nothing."""
    d = event.data
    if not newer_than_applied(conn, "quote_deadlines", d["id"], event.aggregate_seq):
        return
    values = {"number": str(d["number"])[:40], "customer_id": d["customer_id"], "owner_id": d["owner_id"],
              "status": d["status"], "valid_until": sa.func.cast(d["valid_until"], sa.Date)}
    stmt = pg_insert(quote_deadlines).values(quote_id=d["id"], **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=["quote_id"], set_=values))


def on_handover_opportunities(conn: Connection, event: Envelope, _r: Reactions) -> None:
    """Sales' part of a rep's hand-over: its count on the job (issue 16)."""
    record_opportunities(conn, event.data["handover_id"], event.data["opportunities"])


def handler_table() -> HandlerTable:
    table = HandlerTable()
    table.extend(visibility_handlers(customers=False))
    table.extend(service_part_handlers())
    table.extend(related_record_handlers())
    table.add("sales.quote.created", on_quote, name="customer.quote_deadlines")
    table.add("sales.quote.updated", on_quote, name="customer.quote_deadlines")
    table.add("sales.handover.opportunities_moved", on_handover_opportunities, name="customer.handover")
    return table
