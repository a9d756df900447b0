"""Ownership: transfer and shares. Allowed for the owner, a manager above the owner, or
an admin; others who can see the customer get 403. The new owner must be someone the
caller may assign records to (shared.visibility.require_assignable_owner): a rep cannot
push a customer onto another rep, a manager moves customers within their team, admin
anywhere."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import Schema

from services.customer import store
from services.customer.access import load_customer, require_manage, require_user, shares
from services.customer.api import answers as out
from services.customer.domain.rules import OWNER_ROLES
from services.customer.models import customers
from shared.errors import Conflict, NotFound
from shared.fields import uuid_field
from shared.openapi import api_doc
from shared.service import service_context
from shared.visibility import require_assignable_owner
from shared.web import event_context, load, path_id, principal

bp = Blueprint("ownership", __name__)


class OwnerIn(Schema):
    owner_id = uuid_field(required=True)


class ShareIn(Schema):
    user_id = uuid_field(required=True)


def _managed(conn, cid: str):
    row = load_customer(conn, principal(), path_id(cid, "customer"), for_update=True)
    if row.deleted_at is not None:
        raise Conflict("the customer is deleted; restore it first", code="customer_deleted")
    require_manage(conn, principal(), row.owner_id)
    return row


@bp.post("/customers/<cid>/transfer")
@api_doc(body=OwnerIn, response=out.Customer, summary="Transfer a customer to another owner")
def transfer(cid: str) -> ResponseReturnValue:
    body = load(OwnerIn())
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = _managed(conn, cid)
        # the new owner: an active user the caller may assign to (shared rule, every service)
        require_assignable_owner(conn, principal(), body["owner_id"])
        if body["owner_id"] == row.owner_id:
            return jsonify(store.customer_json(row, store.shared_with(conn, [row.id])[row.id]))
        conn.execute(customers.update().where(customers.c.id == row.id)
                     .values(owner_id=body["owner_id"], updated_at=sa.func.now()))
        # the new owner needs no share; the old owner keeps none unless shared again
        conn.execute(sa.delete(shares).where(shares.c.customer_id == row.id, shares.c.user_id == body["owner_id"]))
        out = store.publish(conn, ctx.outbox, event_context(), "customer.customer.transferred", row.id)
    return jsonify(out)


@bp.post("/customers/<cid>/shares")
@api_doc(body=ShareIn, response=out.Share, status=201, summary="Share a customer with a user")
def share(cid: str) -> ResponseReturnValue:
    body = load(ShareIn())
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = _managed(conn, cid)
        require_user(conn, body["user_id"], "user_id", OWNER_ROLES)
        if body["user_id"] == row.owner_id:
            raise Conflict("the user owns this customer", code="already_owner")
        added = conn.execute(
            sa.text("INSERT INTO acl_customer_shares (customer_id, user_id) VALUES (:c, :u) "
                    "ON CONFLICT DO NOTHING RETURNING 1"),
            {"c": row.id, "u": body["user_id"]},
        ).first()
        if added:
            out = store.publish(conn, ctx.outbox, event_context(), "customer.customer.shared", row.id)
        else:  # already shared: nothing new
            out = store.customer_json(row, store.shared_with(conn, [row.id])[row.id])
    return jsonify({"customer_id": row.id, "user_id": body["user_id"], "shared_with": out["shared_with"]}), 201


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
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = _managed(conn, cid)
        removed = conn.execute(
            sa.delete(shares).where(shares.c.customer_id == row.id, shares.c.user_id == uid)
            .returning(shares.c.user_id)
        ).first()
        if removed is None:
            raise NotFound("the customer is not shared with that user")
        store.publish(conn, ctx.outbox, event_context(), "customer.customer.unshared", row.id)
    return "", 204
