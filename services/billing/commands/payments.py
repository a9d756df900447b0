"""Payment commands: record a payment (on an order, or a prepayment credited to the
customer), finance's decision on a rep's unconfirmed cash (confirm, reject), allocate
prepayment credit to an order, record an exchange rate."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row

from services.billing import store
from services.billing.api.common import (
    DOMAIN,
    FINANCE,
    check_customer,
    payment_event,
    visible_order,
)
from services.billing.domain import payments as rules
from services.billing.domain.money_rules import (
    BASE_CURRENCY,
    check_billable,
    check_payment_fits,
    fmt_rate,
    to_cny,
)
from services.billing.models import allocations, exchange_rates, payments
from shared.envelope import new_id
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.identity import Principal
from shared.money import fmt
from shared.outbox import EventContext
from shared.service import ServiceContext
from shared.visibility import can_see_customer
from shared.web import require_role


def _mismatch() -> ValidationFailed:
    return ValidationFailed("the order belongs to another customer", code="customer_mismatch",
                            details={"customer_id": ["does not match the order's customer"]})


def record_payment(ctx: ServiceContext, events: EventContext, p: Principal, body: Mapping[str, Any], *,
                   reps_record_cash: bool) -> Row:
    """A payment in any currency at the rate of its day. Finance's counts at once
    (billing.payment.received, the order's balance, receivables); a rep's cash (when
    reps_record_cash) is unconfirmed and counts nowhere until finance confirms it."""
    status = rules.status_when_recorded(p.role, body["method"], reps_record_cash=reps_record_cash)
    now = datetime.now(UTC)
    received_at = body["received_at"] or now
    if received_at > now + timedelta(days=1):
        raise ValidationFailed("a payment cannot be received in the future",
                               details={"received_at": ["must not be in the future"]})
    currency = body["currency"]
    on = received_at.astimezone(UTC).date()
    with ctx.transaction(events) as (conn, emit):
        order = None
        if body["order_id"]:
            order = visible_order(conn, p, body["order_id"], lock=True)  # serializes per order
            if order.customer_id != body["customer_id"]:
                raise _mismatch()
        else:
            check_customer(conn, p, body["customer_id"])
        rate = Decimal(1) if currency == BASE_CURRENCY else store.rate_on(conn, currency, on)
        if rate is None:
            raise ValidationFailed(
                f"no exchange rate for {currency} on or before {on.isoformat()}", code="missing_exchange_rate",
                details={"currency": [f"no rate for {currency} on or before {on.isoformat()}"]},
            )
        amount_cny = to_cny(body["amount"], currency, rate)
        if order is not None:
            check_billable(order.status)
            check_payment_fits(order.gross, order.paid, amount_cny)
        row = conn.execute(
            sa.insert(payments).values(
                id=new_id(), customer_id=body["customer_id"], order_id=body["order_id"], amount=body["amount"],
                currency=currency, rate_to_cny=rate, amount_cny=amount_cny, method=body["method"],
                account=body["account"], note=body["note"], received_at=received_at, recorded_by=p.user_id,
                status=status,
            ).returning(*payments.c)
        ).one()
        if status == rules.CONFIRMED:
            store.count_payment(conn, emit, row, order, payment_event(row))
        else:  # a rep's cash: on the timeline, counted nowhere until finance confirms it
            emit("billing.payment.recorded", aggregate_type="payment", aggregate_id=row.id,
                 data=payment_event(row), customer_id=row.customer_id)
    return row


def decide_payment(ctx: ServiceContext, events: EventContext, p: Principal, payment_id: str, action: str,
                   note: str | None) -> Row:
    """confirm (it counts from now on, if it still fits the order) or reject an unconfirmed
    payment (finance, admin); 404 for one the caller does not see, before the role check."""
    with ctx.transaction(events) as (conn, emit):
        found = conn.execute(sa.select(payments.c.customer_id, payments.c.order_id)
                             .where(payments.c.id == payment_id)).first()
        if found is None or not can_see_customer(conn, p, found.customer_id, DOMAIN):
            raise NotFound("payment not found")
        require_role(FINANCE, f"{action} payments", who=p)
        # the same lock order as recording: the order first, then the payment
        order = store.get_order(conn, found.order_id, for_update=True) if found.order_id else None
        row = conn.execute(sa.select(payments).where(payments.c.id == payment_id).with_for_update()).one()
        status = rules.next_status(row.status, action)
        if action == "confirm" and order is not None:
            check_billable(order.status)
            check_payment_fits(order.gross, order.paid, row.amount_cny)
        row = conn.execute(
            sa.update(payments).where(payments.c.id == payment_id)
            .values(status=status, decided_by=p.user_id, decided_at=sa.func.now(), decision_note=note)
            .returning(*payments.c)
        ).one()
        if status == rules.CONFIRMED:
            store.count_payment(conn, emit, row, order, payment_event(row))
        else:
            emit("billing.payment.rejected", aggregate_type="payment", aggregate_id=row.id,
                 data=payment_event(row), customer_id=row.customer_id)
    return row


def allocate_prepayment(ctx: ServiceContext, events: EventContext, p: Principal,
                        body: Mapping[str, Any]) -> tuple[Row, Decimal]:
    """Spend a customer's prepayment credit (CNY) on one of its orders: (the allocation,
    the credit left). The customer's credit lock first, then the order's."""
    require_role(FINANCE, "allocate prepayments", who=p)
    amount = body["amount"]
    with ctx.transaction(events) as (conn, emit):
        check_customer(conn, p, body["customer_id"])
        store.credit_lock(conn, body["customer_id"])  # then the order: always this order
        order = visible_order(conn, p, body["order_id"], lock=True)
        if order.customer_id != body["customer_id"]:
            raise _mismatch()
        check_billable(order.status)
        credit = store.customer_credit(conn, body["customer_id"])
        if amount > credit:
            raise Conflict("the customer's prepayment credit is not enough", code="insufficient_credit",
                           details={"credit": fmt(credit), "amount": fmt(amount)})
        check_payment_fits(order.gross, order.paid, amount)
        row = conn.execute(
            sa.insert(allocations).values(id=new_id(), customer_id=body["customer_id"], order_id=order.id,
                                          amount_cny=amount, allocated_by=p.user_id)
            .returning(*allocations.c)
        ).one()
        order = store.add_to_order(conn, order.id, paid=amount)
        store.add_to_receivables(conn, row.customer_id, paid=amount, allocated=amount)
        emit("billing.prepayment.allocated", aggregate_type="prepayment_allocation", aggregate_id=row.id,
             data={"id": row.id, "customer_id": row.customer_id, "order_id": row.order_id,
                   "amount_cny": fmt(amount)}, customer_id=row.customer_id)
        store.publish_balance(emit, order)
    return row, credit - amount


def set_rate(ctx: ServiceContext, events: EventContext, p: Principal, body: Mapping[str, Any]) -> Row:
    """Store the rate of a currency to CNY from a date (finance, admin); one per currency
    and day (409 duplicate_exchange_rate)."""
    require_role(FINANCE, "set exchange rates", who=p)
    with ctx.transaction(events) as (conn, emit):
        row = conn.execute(
            pg_insert(exchange_rates)
            .values(currency=body["currency"], date=body["date"], rate_to_cny=body["rate_to_cny"],
                    created_by=p.user_id)
            .on_conflict_do_nothing().returning(*exchange_rates.c)
        ).first()
        if row is None:
            raise Conflict(f"a {body['currency']} rate for {body['date'].isoformat()} exists already",
                           code="duplicate_exchange_rate",
                           details={"currency": body["currency"], "date": body["date"].isoformat()})
        emit("billing.exchange_rate.recorded", aggregate_type="exchange_rate",
             aggregate_id=f"{row.currency}:{row.date.isoformat()}",
             data={"currency": row.currency, "rate_to_cny": fmt_rate(row.rate_to_cny), "date": row.date.isoformat()})
    return row
