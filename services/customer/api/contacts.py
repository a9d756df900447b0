"""Contacts of a customer (several per customer, decision makers marked); the writes are
services/customer/commands/contacts.py."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from services.customer.access import customer_clause
from services.customer.api import answers as out
from services.customer.api.common import text
from services.customer.commands import contacts as commands
from services.customer.domain.normalize import search_text
from services.customer.models import contacts
from services.customer.search import fragment_match
from services.customer.store import contact_json
from shared.errors import NotFound, ValidationFailed
from shared.fields import uuid_field
from shared.images import PictureUpload, picture_upload
from shared.openapi import api_doc
from shared.service import service_context
from shared.storage import BlobMissing
from shared.uploads import document_store, file_response
from shared.web import (
    count_and_page,
    event_context,
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
    superior_id = uuid_field(load_default=None, allow_none=True)  # 直接领导: a contact of the same customer


@bp.post("/customers/<cid>/contacts")
@api_doc(body=ContactIn, response=out.Contact, status=201, summary="Add a contact to a customer")
def create_contact(cid: str) -> ResponseReturnValue:
    body = load(ContactIn())
    answer = commands.add_contact(service_context(), event_context(), principal(), path_id(cid, "customer"), body)
    return jsonify(answer), 201


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


@bp.get("/contacts/<contact_id>")
@api_doc(response=out.Contact, summary="A contact")
def get_contact(contact_id: str) -> ResponseReturnValue:
    with service_context().engine.connect() as conn:
        row = commands.visible_contact(conn, principal(), path_id(contact_id, "contact"), read=True)
        return jsonify(contact_json(row))


@bp.patch("/contacts/<contact_id>")
@api_doc(body=ContactIn(partial=True), response=out.Contact, summary="Change a contact")
def update_contact(contact_id: str) -> ResponseReturnValue:
    body = load(ContactIn(), partial=True)
    if "name" in body and body["name"] is None:
        raise ValidationFailed("name may not be null", details={"name": ["may not be null"]})
    contact_id = path_id(contact_id, "contact")
    return jsonify(contact_json(commands.update_contact(service_context(), event_context(), principal(), contact_id,
                                                        body)))


@bp.delete("/contacts/<contact_id>")
@api_doc(status=204, summary="Delete a contact")
def delete_contact(contact_id: str) -> ResponseReturnValue:
    commands.delete_contact(service_context(), event_context(), principal(), path_id(contact_id, "contact"))
    return "", 204


PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_SIDE = 512


@bp.put("/contacts/<contact_id>/photo")
@api_doc(body=PictureUpload, content_type="multipart/form-data", response=out.Contact,
         responses={413: "the file is larger than 10 MB", 422: "not a picture (code not_a_picture) or no file"},
         summary="Set the contact's photo (multipart `file`: JPEG, PNG, WebP or GIF up to 10 MB, "
         "kept as a JPEG within 512 x 512)")
def put_contact_photo(contact_id: str) -> ResponseReturnValue:
    contact_id = path_id(contact_id, "contact")
    with service_context().engine.connect() as conn:  # 404 before reading a stranger's upload
        commands.visible_contact(conn, principal(), contact_id)
    picture = picture_upload(PHOTO_MAX_BYTES, PHOTO_SIDE)
    row = commands.set_photo(service_context(), event_context(), principal(), contact_id, picture, document_store())
    return jsonify(contact_json(row))


@bp.get("/contacts/<contact_id>/photo")
@api_doc(produces="image/jpeg", summary="The contact's photo (404 when there is none)")
def get_contact_photo(contact_id: str) -> ResponseReturnValue:
    with service_context().engine.connect() as conn:
        row = commands.visible_contact(conn, principal(), path_id(contact_id, "contact"), read=True)
    if row.photo_key is None:
        raise NotFound("this contact has no photo")
    try:
        data = document_store().get(row.photo_key)
    except BlobMissing:
        raise NotFound("this contact has no photo") from None
    return file_response(data, f"{row.id}.jpg", inline=True, content_type="image/jpeg")


@bp.delete("/contacts/<contact_id>/photo")
@api_doc(status=204, summary="Remove the contact's photo")
def delete_contact_photo(contact_id: str) -> ResponseReturnValue:
    if not commands.remove_photo(service_context(), event_context(), principal(), path_id(contact_id, "contact"),
                                 document_store()):
        raise NotFound("this contact has no photo")
    return "", 204
