"""Database operations shared by billing's API and handlers (no Flask here): the order
copy and its row lock, the project copy, running sums, the invoice counter, rates, the balance event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, Row

from services.billing.domain.money_rules import payment_status
from services.billing.models import exchange_rates, invoice_counters, orders, projects, receivables
from shared.money import fmt

# emit(event_type, aggregate_type=..., aggregate_id=..., data=..., customer_id=...)
Emit = Callable[..., Any]

RECEIVABLE_FIELDS = ("opening", "invoiced", "paid", "prepaid", "allocated")


def get_order(conn: Connection, order_id: str, *, for_update: bool = False) -> Row | None:
    query = sa.select(orders).where(orders.c.id == order_id)
    if for_update:
        query = query.with_for_update()
    return conn.execute(query).first()


def upsert_order(conn: Connection, snapshot: dict[str, Any]) -> Row | None:
    """Apply an order snapshot from sales; returns the row as it was before (None if new)."""
    before = get_order(conn, snapshot["id"], for_update=True)
    values = {"number": snapshot["number"], "customer_id": snapshot["customer_id"],
              "owner_id": snapshot["owner_id"], "status": snapshot["status"],
              "gross": Decimal(snapshot["gross"]), "updated_at": sa.func.now()}
    if before is None:
        conn.execute(sa.insert(orders).values(id=snapshot["id"], **values))
    else:
        conn.execute(sa.update(orders).where(orders.c.id == snapshot["id"]).values(**values))
    return before


def upsert_project(conn: Connection, snapshot: dict[str, Any]) -> None:
    """Apply a project snapshot from sales (sales.project.*)."""
    values = {"number": snapshot["number"], "name": str(snapshot["name"])[:300],
              "customer_id": snapshot["customer_id"], "owner_id": snapshot["owner_id"],
              "status": snapshot["status"], "updated_at": sa.func.now()}
    conn.execute(pg_insert(projects).values(id=snapshot["id"], **values)
                 .on_conflict_do_update(index_elements=[projects.c.id], set_=values))


def get_project(conn: Connection, project_id: str) -> Row | None:
    return conn.execute(sa.select(projects).where(projects.c.id == project_id)).first()


def add_to_order(conn: Connection, order_id: str, *, invoiced: Decimal = Decimal(0),
                 paid: Decimal = Decimal(0)) -> Row:
    """Change the order's running sums (the caller holds its row lock); returns the new row."""
    return conn.execute(
        sa.update(orders).where(orders.c.id == order_id)
        .values(invoiced=orders.c.invoiced + invoiced, paid=orders.c.paid + paid, updated_at=sa.func.now())
        .returning(*orders.c)
    ).one()


def add_to_receivables(conn: Connection, customer_id: str, **deltas: Decimal) -> None:
    """Add to a customer's running sums (opening, invoiced, paid, prepaid, allocated)."""
    unknown = set(deltas) - set(RECEIVABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown receivable fields {unknown}")
    values = {f: deltas.get(f, Decimal(0)) for f in RECEIVABLE_FIELDS}
    stmt = pg_insert(receivables).values(customer_id=customer_id, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[receivables.c.customer_id],
        set_={**{f: getattr(receivables.c, f) + getattr(stmt.excluded, f) for f in RECEIVABLE_FIELDS},
              "updated_at": sa.func.now()},
    )
    conn.execute(stmt)


def next_invoice_seq(conn: Connection, year: int) -> int:
    """The next number of the year. The counter row stays locked until the caller's
    transaction ends; a rollback gives the number back, so there are no gaps."""
    stmt = pg_insert(invoice_counters).values(year=year, last_seq=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[invoice_counters.c.year],
        set_={"last_seq": invoice_counters.c.last_seq + 1},
    ).returning(invoice_counters.c.last_seq)
    return int(conn.execute(stmt).scalar_one())


def rate_on(conn: Connection, currency: str, on: date) -> Decimal | None:
    """The latest stored rate of the currency on or before the date."""
    return conn.execute(
        sa.select(exchange_rates.c.rate_to_cny)
        .where(exchange_rates.c.currency == currency, exchange_rates.c.date <= on)
        .order_by(exchange_rates.c.date.desc()).limit(1)
    ).scalar()


def customer_known(conn: Connection, customer_id: str) -> bool:
    return conn.execute(
        sa.text("SELECT 1 FROM acl_customers WHERE customer_id = :c"), {"c": customer_id}
    ).first() is not None


def credit_lock(conn: Connection, customer_id: str) -> None:
    """Serialize what spends a customer's credit (allocations) for the transaction."""
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                 {"k": f"billing.credit:{customer_id}"})


def customer_credit(conn: Connection, customer_id: str) -> Decimal:
    row = conn.execute(
        sa.select(receivables.c.prepaid, receivables.c.allocated).where(receivables.c.customer_id == customer_id)
    ).first()
    return Decimal(0) if row is None else row.prepaid - row.allocated


def balance_data(order: Row) -> dict[str, str]:
    return {
        "order_id": order.id, "customer_id": order.customer_id, "gross": fmt(order.gross),
        "invoiced_amount": fmt(order.invoiced), "paid_amount": fmt(order.paid),
        "payment_status": payment_status(order.gross, order.paid),
    }


def publish_balance(emit: Emit, order: Row) -> None:
    """billing.order_balance.changed for the order (sales moves payment_status from it)."""
    emit("billing.order_balance.changed", aggregate_type="order_balance", aggregate_id=order.id,
         data=balance_data(order), customer_id=order.customer_id)


def count_payment(conn: Connection, emit: Emit, payment: Row, order: Row | None, event: dict[str, Any]) -> None:
    """A payment starts to count (recorded by finance, or confirmed): the order's paid sum
    (the caller holds its row lock) or the customer's credit, the receivables,
    billing.payment.received and, on an order, its new balance."""
    if order is not None:
        order = add_to_order(conn, order.id, paid=payment.amount_cny)
        add_to_receivables(conn, payment.customer_id, paid=payment.amount_cny)
    else:
        add_to_receivables(conn, payment.customer_id, prepaid=payment.amount_cny)
    emit("billing.payment.received", aggregate_type="payment", aggregate_id=payment.id, data=event,
         customer_id=payment.customer_id)
    if order is not None:
        publish_balance(emit, order)
