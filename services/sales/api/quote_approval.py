"""A quote discounted past the approval threshold asks a manager before it goes out:
POST /quotes/{id}/submit (the owner or whoever may change it, with a note), then
/approve or /reject (a manager above the owner or an admin, never the owner, with a
comment). Each step is an event (the managers are notified of a request, the owner of
the decision; the customer's timeline shows them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate

from services.sales import quote_store as store
from services.sales.api import answers as out
from services.sales.api.common import today, writer
from services.sales.api.quotes import _visible, _with_warnings
from services.sales.domain import quote_approval as rules
from services.sales.domain.quotes import effective_status
from shared.errors import Conflict, Forbidden
from shared.openapi import api_doc
from shared.service import request_emitter, service_context
from shared.visibility import is_manager_of
from shared.web import load

bp = Blueprint("quote_approval", __name__)

EVENTS = {"submit": "sales.quote.approval_requested", "approve": "sales.quote.approved",
          "reject": "sales.quote.approval_rejected"}


class SubmitBody(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class DecisionBody(Schema):
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


def _step(quote_id: str, action: str, text: str | None):
    p = writer()
    with service_context().engine.begin() as conn:
        quote = _visible(conn, p, quote_id, lock=True)
        if action != "submit":
            refusal = rules.approval_refusal(p.role, p.user_id, [quote["owner_id"]],
                                             p.role == "manager" and is_manager_of(conn, p.user_id, quote["owner_id"]))
            if refusal:
                raise Forbidden(refusal, code="forbidden")
        status = effective_status(quote["status"], quote["valid_until"], today())
        try:
            target = rules.next_approval(quote_status=status, needs_approval=quote["needs_approval"],
                                         approval_status=quote["approval_status"], action=action)
        except rules.ApprovalRefused as exc:
            raise Conflict(str(exc), code=exc.code,
                           details={"status": status, "approval_status": exc.approval_status}) from None
        changes: dict[str, Any] = {"approval_status": target}
        if action == "submit":
            changes.update(approval_note=text, approval_comment=None, approval_by=None, approval_at=None)
        else:
            changes.update(approval_comment=text, approval_by=p.user_id, approval_at=datetime.now(UTC))
        quote = store.update(conn, quote, **changes)
        extra = {"note": text} if action == "submit" else {"comment": text}
        store.publish(request_emitter(conn), EVENTS[action], quote, today(), **extra)
        answer = _with_warnings(conn, quote)
    return jsonify(answer)


def _text(body: dict[str, Any], key: str) -> str | None:
    return (body.get(key) or "").strip() or None


@bp.post("/quotes/<quote_id>/submit")
@api_doc(body=SubmitBody, response=out.Quote, tags=["sales"],
         summary="Ask for approval of a draft discounted past the threshold; 409 approval_not_needed or illegal_transition")
def submit(quote_id: str):
    return _step(quote_id, "submit", _text(load(SubmitBody()), "note"))


@bp.post("/quotes/<quote_id>/approve")
@api_doc(body=DecisionBody, response=out.Quote, tags=["sales"],
         summary="Approve a quote's discount (a manager above the owner or an admin); 403 for others, 409 unless pending")
def approve(quote_id: str):
    return _step(quote_id, "approve", _text(load(DecisionBody()), "comment"))


@bp.post("/quotes/<quote_id>/reject")
@api_doc(body=DecisionBody, response=out.Quote, tags=["sales"],
         summary="Turn down a quote's discount with a comment (a manager above the owner or an admin)")
def reject(quote_id: str):
    return _step(quote_id, "reject", _text(load(DecisionBody()), "comment"))
