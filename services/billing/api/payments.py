"""Payments (on an order, or without one as a prepayment credited to the customer),
exchange rates, and allocating prepayment credit to orders: the views (the writes are
services/billing/commands/payments.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, request

from services.billing.api import answers as out
from services.billing.api.common import (
    DOMAIN,
    FINANCE,
    allocation_view,
    payment_view,
)
from services.billing.api.fields import AllocateIn, ConvertQuery, PaymentIn, RateIn
from services.billing.commands import payments as commands
from services.billing.domain import payments as rules
from services.billing.domain.money_rules import (
    BASE_CURRENCY,
    fmt_rate,
    to_cny,
)
from services.billing.models import allocations, exchange_rates, payments
from shared.errors import NotFound, ValidationFailed
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


@bp.post("/payments")
@api_doc(response=out.Payment, body=PaymentIn, status=201, summary="Record a payment (finance, admin); without order_id a prepayment (customer credit). With BILLING_REPS_RECORD_CASH on, sales and managers may record cash for customers they see: status unconfirmed, counting nowhere until finance confirms it", tags=["billing"])
def record_payment():
    p = principal()
    reps_record_cash = current_app.extensions["billing_config"].reps_record_cash
    rules.check_may_record(p.role, reps_record_cash=reps_record_cash)
    body = load(PaymentIn())
    row = commands.record_payment(service_context(), event_context(), p, body, reps_record_cash=reps_record_cash)
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
    row, credit_left = commands.allocate_prepayment(service_context(), event_context(), p, body)
    return jsonify({**allocation_view(row), "credit_remaining": fmt(credit_left)}), 201


@bp.post("/exchange-rates")
@api_doc(response=out.ExchangeRate, body=RateIn, status=201, summary="Store the rate of a currency to CNY from a date (finance, admin)", tags=["billing"])
def set_rate():
    p = principal()
    require_role(FINANCE, "set exchange rates", who=p)
    body = load(RateIn())
    row = commands.set_rate(service_context(), event_context(), p, body)
    return jsonify(rate_view(row)), 201


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
