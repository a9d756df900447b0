"""Payments (on an order, or without one as a prepayment credited to the customer),
exchange rates, and allocating prepayment credit to orders."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.billing import store
from services.billing.api import answers as out
from services.billing.api.common import (
    DOMAIN,
    FINANCE,
    allocation_view,
    check_customer,
    payment_event,
    payment_view,
    visible_order,
)
from services.billing.api.fields import AllocateIn, ConvertQuery, PaymentIn, RateIn
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
from shared.money import fmt
from shared.openapi import api_doc
from shared.service import service_context
from shared.visibility import can_see_customer, customer_filter, with_customer_names
from shared.web import (
    count_and_page,
    event_context,
    load,
    load_query,
    page_args,
    page_response,
    path_id,
    principal,
    require_role,
    uuid_arg,
)

bp = Blueprint("billing_payments", __name__)


def _mismatch() -> ValidationFailed:
    return ValidationFailed("the order belongs to another customer", code="customer_mismatch",
                            details={"customer_id": ["does not match the order's customer"]})


@bp.post("/payments")
@api_doc(response=out.Payment, body=PaymentIn, status=201, summary="Record a payment (finance, admin); without order_id a prepayment (customer credit). With BILLING_REPS_RECORD_CASH on, sales and managers may record cash for customers they see: status unconfirmed, counting nowhere until finance confirms it", tags=["billing"])
def record_payment():
    p = principal()
    reps_record_cash = current_app.extensions["billing_config"].reps_record_cash
    rules.check_may_record(p.role, reps_record_cash=reps_record_cash)
    body = load(PaymentIn())
    status = rules.status_when_recorded(p.role, body["method"], reps_record_cash=reps_record_cash)
    now = datetime.now(UTC)
    received_at = body["received_at"] or now
    if received_at > now + timedelta(days=1):
        raise ValidationFailed("a payment cannot be received in the future",
                               details={"received_at": ["must not be in the future"]})
    currency = body["currency"]
    on = received_at.astimezone(UTC).date()
    ctx = service_context()
    with ctx.engine.begin() as conn:
        emit = functools.partial(ctx.outbox.add, conn, event_context())
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
    return jsonify(payment_view(row)), 201


def _list(table: sa.Table, time_col: sa.Column, view, extra_where=()):
    p = principal()
    page, per_page = page_args()
    customer_id = uuid_arg(request.args.get("customer_id"), "customer_id")
    order_id = uuid_arg(request.args.get("order_id"), "order_id")
    ctx = service_context()
    with ctx.engine.connect() as conn:
        where = [customer_filter(conn, p, table.c.customer_id, DOMAIN, read=True), *extra_where]
        if customer_id:
            where.append(table.c.customer_id == customer_id)
        if order_id:
            where.append(table.c.order_id == order_id)
        rows, total = count_and_page(
            conn, sa.select(table).where(*where).order_by(time_col.desc(), table.c.id.desc()), page, per_page)
        items = with_customer_names(conn, [view(r) for r in rows])
    return page_response(items, total, page, per_page)


@bp.get("/payments")
@api_doc(page=out.Payment, summary="Payments (customer_id, order_id, kind, status, from, to)")
def list_payments():
    kind = request.args.get("kind")
    if kind not in (None, "", "order", "prepayment"):
        raise ValidationFailed("invalid kind", details={"kind": ["one of order, prepayment"]})
    status = request.args.get("status")
    if status not in (None, "", *rules.STATUSES):
        raise ValidationFailed("invalid status", details={"status": [f"one of {', '.join(rules.STATUSES)}"]})
    extra = [payments.c.status == status] if status else []
    if kind == "order":
        extra.append(payments.c.order_id.is_not(None))
    elif kind == "prepayment":
        extra.append(payments.c.order_id.is_(None))
    return _list(payments, payments.c.received_at, payment_view, extra)


@bp.get("/payments/<payment_id>")
@api_doc(response=out.Payment, summary="A payment")
def get_payment(payment_id: str):
    p = principal()
    payment_id = path_id(payment_id, "payment")
    ctx = service_context()
    with ctx.engine.connect() as conn:
        row = conn.execute(sa.select(payments).where(payments.c.id == payment_id)).first()
        if row is None or not can_see_customer(conn, p, row.customer_id, DOMAIN, read=True):
            raise NotFound("payment not found")
        return jsonify(with_customer_names(conn, [payment_view(row)])[0])


@bp.get("/prepayments")
@api_doc(page=out.Payment, summary="Prepayments: payments without an order (customer_id)")
def list_prepayments():
    """Payments received without an order (the customer's credit comes from these)."""
    if request.args.get("order_id"):
        raise ValidationFailed("prepayments have no order", details={"order_id": ["not a filter here"]})
    return _list(payments, payments.c.received_at, payment_view, [payments.c.order_id.is_(None)])


@bp.get("/prepayments/allocations")
@api_doc(page=out.Allocation, summary="Allocations of prepayment credit to orders (customer_id, order_id)")
def list_allocations():
    return _list(allocations, allocations.c.created_at, allocation_view)


@bp.post("/prepayments/allocate")
@api_doc(response=out.AllocationMade, body=AllocateIn, status=201, summary="Allocate a customer's prepayment credit (CNY) to an order", tags=["billing"])
def allocate():
    """Spend a customer's prepayment credit (CNY) on one of its orders."""
    p = principal()
    require_role(FINANCE, "allocate prepayments", who=p)
    body = load(AllocateIn())
    amount = body["amount"]
    ctx = service_context()
    with ctx.engine.begin() as conn:
        emit = functools.partial(ctx.outbox.add, conn, event_context())
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
    return jsonify({**allocation_view(row), "credit_remaining": fmt(credit - amount)}), 201


@bp.post("/exchange-rates")
@api_doc(response=out.ExchangeRate, body=RateIn, status=201, summary="Store the rate of a currency to CNY from a date (finance, admin)", tags=["billing"])
def set_rate():
    p = principal()
    require_role(FINANCE, "set exchange rates", who=p)
    body = load(RateIn())
    ctx = service_context()
    with ctx.engine.begin() as conn:
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
        view = rate_view(row)
        ctx.outbox.add(conn, event_context(), "billing.exchange_rate.recorded", aggregate_type="exchange_rate",
                       aggregate_id=f"{row.currency}:{row.date.isoformat()}",
                       data={k: view[k] for k in ("currency", "rate_to_cny", "date")})
    return jsonify(view), 201


def rate_view(row) -> dict:
    return {"currency": row.currency, "rate_to_cny": fmt_rate(row.rate_to_cny), "date": row.date.isoformat(),
            "created_by": row.created_by, "created_at": row.created_at.isoformat()}


@bp.get("/exchange-rates/convert")
@api_doc(query=ConvertQuery, response=out.Conversion, summary="What an amount is worth in CNY on a day (default today, UTC), at the rate a "
         "payment received that day would use; 422 missing_exchange_rate when there is none", tags=["billing"])
def convert():
    """The payment form's preview: the same rate lookup and rounding as recording it."""
    principal()
    args = load_query(ConvertQuery())
    on = args["date"] or datetime.now(UTC).date()
    with service_context().engine.connect() as conn:
        if args["currency"] == BASE_CURRENCY:
            rate, rate_date = Decimal(1), on
        else:
            found = conn.execute(
                sa.select(exchange_rates.c.rate_to_cny, exchange_rates.c.date)
                .where(exchange_rates.c.currency == args["currency"], exchange_rates.c.date <= on)
                .order_by(exchange_rates.c.date.desc()).limit(1)).first()
            if found is None:
                raise ValidationFailed(
                    f"no exchange rate for {args['currency']} on or before {on.isoformat()}",
                    code="missing_exchange_rate",
                    details={"currency": [f"no rate for {args['currency']} on or before {on.isoformat()}"]})
            rate, rate_date = found.rate_to_cny, found.date
    return jsonify({"currency": args["currency"], "amount": fmt(args["amount"]), "date": on.isoformat(),
                    "rate_date": rate_date.isoformat(), "rate_to_cny": fmt_rate(rate),
                    "amount_cny": fmt(to_cny(args["amount"], args["currency"], rate))})


@bp.get("/exchange-rates")
@api_doc(page=out.ExchangeRate, summary="Exchange rates to CNY (currency)")
def list_rates():
    principal()
    page, per_page = page_args()
    currency = (request.args.get("currency") or "").upper()
    where = [exchange_rates.c.currency == currency] if currency else []
    ctx = service_context()
    with ctx.engine.connect() as conn:
        rows, total = count_and_page(
            conn, sa.select(exchange_rates).where(*where)
            .order_by(exchange_rates.c.date.desc(), exchange_rates.c.currency), page, per_page)
    return page_response([rate_view(r) for r in rows], total, page, per_page)
