"""Finance's decision on a payment a sales rep recorded (cash, unconfirmed): confirm it,
and only then does it count (the order's paid amount and payment_status, receivables,
billing.payment.received), or reject it."""

from __future__ import annotations

from flask import Blueprint, jsonify

from services.billing.api import answers as out
from services.billing.api.common import payment_view
from services.billing.api.fields import DecisionIn
from services.billing.commands import payments as commands
from shared.identity import Principal
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import event_context, load, path_id, principal

bp = Blueprint("billing_payment_decisions", __name__)


def _decide(payment_id: str, action: str, p: Principal, note: str | None):
    row = commands.decide_payment(service_context(), event_context(), p, path_id(payment_id, "payment"),
                                  action, note)
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
