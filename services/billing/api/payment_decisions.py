"""Finance's decision on a payment a sales rep recorded (cash, unconfirmed): confirm it,
and only then does it count (the order's paid amount and payment_status, receivables,
billing.payment.received), or reject it."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import Blueprint, jsonify

from services.billing import store
from services.billing.api import answers as out
from services.billing.api.common import DOMAIN, FINANCE, payment_event, payment_view
from services.billing.api.fields import DecisionIn
from services.billing.domain import payments as rules
from services.billing.domain.money_rules import check_billable, check_payment_fits
from services.billing.models import payments
from shared.errors import NotFound
from shared.identity import Principal
from shared.openapi import api_doc
from shared.service import service_context
from shared.visibility import can_see_customer
from shared.web import event_context, load, path_id, principal, require_role

bp = Blueprint("billing_payment_decisions", __name__)


def _decide(payment_id: str, action: str, p: Principal, note: str | None):
    payment_id = path_id(payment_id, "payment")
    ctx = service_context()
    with ctx.engine.begin() as conn:
        emit = functools.partial(ctx.outbox.add, conn, event_context())
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
    return jsonify(payment_view(row))


@bp.post("/payments/<payment_id>/confirm")
@api_doc(response=out.Payment, body=DecisionIn, summary="Confirm an unconfirmed payment (finance, admin): it counts from now on; 409 unless unconfirmed or when it no longer fits the order", tags=["billing"])
def confirm_payment(payment_id: str):
    p = principal()
    return _decide(payment_id, "confirm", p, load(DecisionIn()).get("reason"))


@bp.post("/payments/<payment_id>/reject")
@api_doc(response=out.Payment, body=DecisionIn, summary="Reject an unconfirmed payment (finance, admin) with a reason; it never counts", tags=["billing"])
def reject_payment(payment_id: str):
    p = principal()
    return _decide(payment_id, "reject", p, load(DecisionIn()).get("reason"))
