"""While a name is typed: does a customer of the same normalised name exist, and whose is
it (GET /customers/duplicate-check)? A colleague's customer the caller may not see can be
asked for (POST /customers/{id}/share-requests): the owner is notified (tracking) and
decides; the caller learns nothing of it but its owner's name."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from services.customer import store
from services.customer.api import answers as out
from services.customer.commands import settings as commands
from services.customer.domain.normalize import name_key
from services.customer.domain.rules import CUSTOMER_CREATORS
from services.customer.duplicates import duplicate_details
from shared.errors import NotFound, ValidationFailed
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import event_context, is_uuid, principal, require_role, uuid_arg

bp = Blueprint("duplicate_check", __name__)


@bp.get("/customers/duplicate-check")
@api_doc(response=out.DuplicateCheck, summary="Whether a customer of the same normalised name exists (name, "
         "exclude_id?) and whose it is; its name only when the caller may see it")
def duplicate_check() -> ResponseReturnValue:
    who = principal()
    require_role(CUSTOMER_CREATORS, "check customer names", who=who)
    name = (request.args.get("name") or "").strip()
    if not name:
        raise ValidationFailed("name is required", details={"name": ["required"]})
    if len(name) > 300:
        raise ValidationFailed("name is too long", details={"name": ["must be at most 300 characters"]})
    exclude_id = uuid_arg(request.args.get("exclude_id"), "exclude_id")
    key = name_key(name)
    if not key:
        return jsonify({"duplicate": None})
    with service_context().engine.connect() as conn:
        existing = store.find_duplicate(conn, key, exclude_id)
        return jsonify({"duplicate": duplicate_details(conn, who, existing) if existing else None})


@bp.post("/customers/<cid>/share-requests")
@api_doc(response=out.ShareRequested, status=202, summary="Ask the owner of a customer the caller may not see to "
         "share it (the owner is notified); 409 already_visible")
def request_share(cid: str) -> ResponseReturnValue:
    """Ask the owner of a live customer the caller may not see to share it (202): an
    event customer.share.requested, from which tracking notifies the owner."""
    who = principal()
    require_role(CUSTOMER_CREATORS, "ask for customers to be shared", who=who)
    if not is_uuid(cid):
        raise NotFound("customer not found")
    return jsonify(commands.request_share(service_context(), event_context(), who, cid)), 202
