"""Ownership: transfer and shares. Allowed for the owner, a manager above the owner, or
an admin; others who can see the customer get 403. The new owner must be someone the
caller may assign records to (shared.visibility.require_assignable_owner): a rep cannot
push a customer onto another rep, a manager moves customers within their team, admin
anywhere. The writes are services/customer/commands/ownership.py."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import Schema

from services.customer import store
from services.customer.access import load_customer
from services.customer.api import answers as out
from services.customer.commands import ownership as commands
from shared.fields import uuid_field
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import event_context, load, path_id, principal

bp = Blueprint("ownership", __name__)


class OwnerIn(Schema):
    owner_id = uuid_field(required=True)


class ShareIn(Schema):
    user_id = uuid_field(required=True)


@bp.post("/customers/<cid>/transfer")
@api_doc(body=OwnerIn, response=out.Customer, summary="Transfer a customer to another owner")
def transfer(cid: str) -> ResponseReturnValue:
    body = load(OwnerIn())
    return jsonify(commands.transfer(service_context(), event_context(), principal(), path_id(cid, "customer"),
                                     body["owner_id"]))


@bp.post("/customers/<cid>/shares")
@api_doc(body=ShareIn, response=out.Share, status=201, summary="Share a customer with a user")
def share(cid: str) -> ResponseReturnValue:
    body = load(ShareIn())
    customer_id = path_id(cid, "customer")
    answer = commands.share(service_context(), event_context(), principal(), customer_id, body["user_id"])
    return jsonify({"customer_id": answer["id"], "user_id": body["user_id"], "shared_with": answer["shared_with"]}), 201


@bp.get("/customers/<cid>/shares")
@api_doc(response=out.Shares, summary="Who a customer is shared with")
def list_shares(cid: str) -> ResponseReturnValue:
    ctx = service_context()
    with ctx.engine.connect() as conn:
        row = load_customer(conn, principal(), cid, read=True)
        users = store.shared_with(conn, [row.id])[row.id]
    return jsonify({"items": [{"customer_id": row.id, "user_id": u} for u in users]})


@bp.delete("/customers/<cid>/shares/<uid>")
@api_doc(status=204, summary="Stop sharing a customer with a user")
def unshare(cid: str, uid: str) -> ResponseReturnValue:
    commands.unshare(service_context(), event_context(), principal(), path_id(cid, "customer"), uid)
    return "", 204
