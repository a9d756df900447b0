"""Contacts of a customer (several per customer, decision makers marked)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate
from sqlalchemy.engine import Connection

from services.customer.access import customer_clause, load_customer, require_customer_field
from services.customer.api import answers as out
from services.customer.api.common import text
from services.customer.domain.normalize import search_text
from services.customer.models import contacts
from services.customer.search import fragment_match
from shared.errors import NotFound, ValidationFailed
from shared.openapi import api_doc
from shared.outbox import EventContext, Outbox
from shared.service import service_context
from shared.web import (
    count_and_page,
    event_context,
    iso,
    load,
    page_args,
    page_response,
    path_id,
    principal,
    uuid_arg,
)

bp = Blueprint("contacts", __name__)


class ContactIn(Schema):
    name = text(200, required=True)
    title = text(100)
    phone = text(50)
    email = fields.Email(allow_none=True, load_default=None, validate=validate.Length(max=200))
    is_decision_maker = fields.Boolean(load_default=False)


def contact_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "customer_id": row.customer_id, "name": row.name, "title": row.title,
            "phone": row.phone, "email": row.email, "is_decision_maker": row.is_decision_maker,
            "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)}


def _event_data(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in ("id", "customer_id", "name", "title", "phone", "email",
                                         "is_decision_maker")}


def insert_contact(conn: Connection, outbox: Outbox, ctx: EventContext, customer_id: str, body: dict[str, Any],
                   created_by: str) -> dict[str, Any]:
    """Add a contact and its event in the caller's transaction."""
    row = conn.execute(
        contacts.insert().values(
            id=str(uuid.uuid4()), customer_id=customer_id, name=body["name"].strip(),
            search_text=search_text(body["name"]), title=body.get("title"), phone=body.get("phone"),
            email=body.get("email"), is_decision_maker=bool(body.get("is_decision_maker")),
            created_by=created_by,
        ).returning(*contacts.c)
    ).one()
    outbox.add(conn, ctx, "customer.contact.created", aggregate_type="contact", aggregate_id=row.id,
               data=_event_data(row), customer_id=customer_id)
    return contact_json(row)


@bp.post("/customers/<cid>/contacts")
@api_doc(body=ContactIn, response=out.Contact, status=201, summary="Add a contact to a customer")
def create_contact(cid: str) -> ResponseReturnValue:
    body = load(ContactIn())
    ctx = service_context()
    with ctx.engine.begin() as conn:
        customer = require_customer_field(conn, principal(), path_id(cid, "customer"))
        out = insert_contact(conn, ctx.outbox, event_context(), customer.id, body, principal().user_id)
    return jsonify(out), 201


@bp.get("/contacts")
@api_doc(page=out.Contact, summary="Contacts (customer_id, is_decision_maker, q)")
def list_contacts() -> ResponseReturnValue:
    who = principal()
    page, per_page = page_args()
    ctx = service_context()
    with ctx.engine.connect() as conn:
        where = [customer_clause(conn, who, contacts.c.customer_id, read=True)]
        customer_id = uuid_arg(request.args.get("customer_id"), "customer_id")
        if customer_id:
            where.append(contacts.c.customer_id == customer_id)
        if request.args.get("is_decision_maker") in ("true", "false"):
            where.append(contacts.c.is_decision_maker == (request.args["is_decision_maker"] == "true"))
        q = search_text(request.args.get("q"))
        if q:
            if len(q) < 2:
                raise ValidationFailed("q is too short", details={"q": ["needs at least 2 letters"]})
            where.append(fragment_match(contacts.c.search_text, q))
        rows, total = count_and_page(
            conn, sa.select(contacts).where(*where).order_by(contacts.c.created_at.desc(), contacts.c.id.desc()), page, per_page)
    return page_response([contact_json(r) for r in rows], total, page, per_page)


def _visible_contact(conn, contact_id: str, *, for_update: bool = False, read: bool = False):
    query = sa.select(contacts).where(contacts.c.id == path_id(contact_id, "contact"))
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound("contact not found")
    try:
        load_customer(conn, principal(), row.customer_id, read=read)
    except NotFound:
        raise NotFound("contact not found") from None
    return row


@bp.get("/contacts/<contact_id>")
@api_doc(response=out.Contact, summary="A contact")
def get_contact(contact_id: str) -> ResponseReturnValue:
    with service_context().engine.connect() as conn:
        return jsonify(contact_json(_visible_contact(conn, contact_id, read=True)))


@bp.patch("/contacts/<contact_id>")
@api_doc(body=ContactIn(partial=True), response=out.Contact, summary="Change a contact")
def update_contact(contact_id: str) -> ResponseReturnValue:
    body = load(ContactIn(), partial=True)
    if "name" in body and body["name"] is None:
        raise ValidationFailed("name may not be null", details={"name": ["may not be null"]})
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = _visible_contact(conn, contact_id, for_update=True)
        changes = dict(body)
        if "name" in changes:
            changes["name"] = changes["name"].strip()
            changes["search_text"] = search_text(changes["name"])
        row = conn.execute(contacts.update().where(contacts.c.id == row.id)
                           .values(**changes, updated_at=sa.func.now()).returning(*contacts.c)).one()
        ctx.outbox.add(conn, event_context(), "customer.contact.updated", aggregate_type="contact",
                       aggregate_id=row.id, data=_event_data(row), customer_id=row.customer_id)
    return jsonify(contact_json(row))


@bp.delete("/contacts/<contact_id>")
@api_doc(status=204, summary="Delete a contact")
def delete_contact(contact_id: str) -> ResponseReturnValue:
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = _visible_contact(conn, contact_id, for_update=True)
        conn.execute(contacts.delete().where(contacts.c.id == row.id))
        ctx.outbox.add(conn, event_context(), "customer.contact.deleted", aggregate_type="contact",
                       aggregate_id=row.id, data=_event_data(row), customer_id=row.customer_id)
    return "", 204
