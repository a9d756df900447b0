"""Custom fields: an admin defines (name, type; services/customer/commands/settings.py);
customers' values are validated."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.customer.api import answers as out
from services.customer.api.common import text
from services.customer.commands import settings as commands
from services.customer.domain.rules import FIELD_TYPES
from services.customer.models import custom_fields
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import (
    count_and_page,
    event_context,
    iso,
    load,
    page_args,
    page_response,
    path_id,
    require_role,
)

bp = Blueprint("custom_fields", __name__)


class FieldIn(Schema):
    name = text(100, required=True)
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    choices = fields.List(fields.String(validate=validate.Length(min=1, max=100)), allow_none=True,
                          load_default=None, validate=validate.Length(max=100))
    required = fields.Boolean(load_default=False)

    @validates_schema
    def _choices(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("type") == "choice" and not data.get("choices"):
            raise ValidationError("a choice field needs a non-empty list of choices", "choices")
        if data.get("type") != "choice" and data.get("choices"):
            raise ValidationError("only a choice field has choices", "choices")


class FieldPatch(Schema):
    required = fields.Boolean()
    choices = fields.List(fields.String(validate=validate.Length(min=1, max=100)), validate=validate.Length(max=100))


def field_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "type": row.type, "choices": row.choices, "required": row.required,
            "created_at": iso(row.created_at)}


@bp.post("/custom-fields")
@api_doc(body=FieldIn, response=out.CustomField, status=201, summary="Define a custom field (admin)")
def define_field() -> ResponseReturnValue:
    require_role(("admin",), "define custom fields")
    body = load(FieldIn())
    row = commands.define_field(service_context(), event_context(), body)
    return jsonify(field_json(row)), 201


@bp.patch("/custom-fields/<field_id>")
@api_doc(body=FieldPatch, response=out.CustomField, summary="Make a custom field required or optional, or change a "
         "choice field's choices (admin); values already stored stay")
def change_field(field_id: str) -> ResponseReturnValue:
    require_role(("admin",), "change custom fields")
    body = load(FieldPatch())
    row = commands.change_field(service_context(), event_context(), path_id(field_id, "custom field"), body)
    return jsonify(field_json(row))


@bp.get("/custom-fields")
@api_doc(page=out.CustomField, summary="Custom fields")
def list_fields() -> ResponseReturnValue:
    page, per_page = page_args()
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(
            conn, sa.select(custom_fields).order_by(custom_fields.c.name, custom_fields.c.id), page, per_page)
    return page_response([field_json(r) for r in rows], total, page, per_page)
