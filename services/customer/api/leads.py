"""Leads and their conversion into customer + contact (+ opportunity id for sales); the
writes are services/customer/commands/leads.py."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from services.customer.api import answers as out
from services.customer.api.common import text
from services.customer.commands import leads as commands
from services.customer.domain.rules import CUSTOMER_CREATORS
from services.customer.models import leads
from shared.db import like_pattern
from shared.errors import ValidationFailed
from shared.fields import MAX_DEAL_AMOUNT, Date, Money, uuid_field
from shared.openapi import api_doc
from shared.service import service_context
from shared.visibility import owner_filter
from shared.web import (
    count_and_page,
    event_context,
    iso,
    load,
    page_args,
    page_response,
    path_id,
    principal,
    require_role,
    uuid_arg,
)

bp = Blueprint("leads", __name__)
LEAD_STATUSES = ("new", "converted", "disqualified")


class LeadIn(Schema):
    name = text(200, required=True)
    company = text(300)
    phone = text(50)
    email = fields.Email(allow_none=True, load_default=None, validate=validate.Length(max=200))
    source = text(100)
    campaign_id = uuid_field(metadata={"description": "the marketing campaign the lead came from"})


class LeadPatch(LeadIn):
    status = fields.String(validate=validate.OneOf(("new", "disqualified")))


class OpportunityIn(Schema):
    """The opportunity the sales service will create: the same bounds as its POST
    /opportunities and the customer.lead.converted contract (amount 0..10^11, two places;
    a date in the agreed years), checked before the conversion commits."""

    name = text(300, required=True)
    amount = Money(required=True, maximum=MAX_DEAL_AMOUNT)
    expected_close_date = Date(allow_none=True, load_default=None)


class ConvertIn(Schema):
    opportunity = fields.Nested(OpportunityIn, allow_none=True, load_default=None)
    customer_id = uuid_field()  # attach to an existing customer instead of creating one


# name, company, phone and e-mail in one lowered text (the expression of ix_leads_search_trgm)
# (literal, so that the planner matches it to the index expression)
LEAD_SEARCH = sa.literal_column(
    "lower(leads.name || ' ' || coalesce(leads.company, '') || ' ' || coalesce(leads.phone, '') "
    "|| ' ' || coalesce(leads.email, ''))", sa.Text)


def lead_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "company": row.company, "phone": row.phone, "email": row.email,
            "source": row.source, "owner_id": row.owner_id, "status": row.status,
            "customer_id": row.customer_id, "contact_id": row.contact_id, "opportunity_id": row.opportunity_id,
            "campaign_id": row.campaign_id, "created_at": iso(row.created_at), "converted_at": iso(row.converted_at)}


@bp.post("/leads")
@api_doc(body=LeadIn, response=out.Lead, status=201, summary="Create a lead")
def create_lead() -> ResponseReturnValue:
    who = principal()
    require_role(CUSTOMER_CREATORS, "create leads", who=who)
    body = load(LeadIn())
    row = commands.create_lead(service_context(), event_context(), who, body)
    return jsonify(lead_json(row)), 201


@bp.get("/leads")
@api_doc(page=out.Lead, summary="Leads (status, owner_id, campaign_id)")
def list_leads() -> ResponseReturnValue:
    who = principal()
    page, per_page = page_args()
    status = request.args.get("status")
    if status and status not in LEAD_STATUSES:
        raise ValidationFailed("invalid filters", details={"status": [f"must be one of {', '.join(LEAD_STATUSES)}"]})
    ctx = service_context()
    with ctx.engine.connect() as conn:
        where = [owner_filter(conn, who, leads.c.owner_id, "customer")]
        if status:
            where.append(leads.c.status == status)
        owner_id = uuid_arg(request.args.get("owner_id"), "owner_id")
        if owner_id:
            where.append(leads.c.owner_id == owner_id)
        campaign_id = uuid_arg(request.args.get("campaign_id"), "campaign_id")
        if campaign_id:
            where.append(leads.c.campaign_id == campaign_id)
        q = (request.args.get("q") or "").strip()
        if len(q) > 100:
            raise ValidationFailed("invalid filters", details={"q": ["must be at most 100 characters"]})
        if q:
            where.append(LEAD_SEARCH.like(like_pattern(q.lower()), escape="\\"))
        rows, total = count_and_page(
            conn, sa.select(leads).where(*where).order_by(leads.c.created_at.desc(), leads.c.id.desc()), page, per_page)
    return page_response([lead_json(r) for r in rows], total, page, per_page)


@bp.get("/leads/<lead_id>")
@api_doc(response=out.Lead, summary="A lead")
def get_lead(lead_id: str) -> ResponseReturnValue:
    with service_context().engine.connect() as conn:
        return jsonify(lead_json(commands.visible_lead(conn, principal(), path_id(lead_id, "lead"))))


@bp.patch("/leads/<lead_id>")
@api_doc(body=LeadPatch(partial=True), response=out.Lead, summary="Change a lead")
def update_lead(lead_id: str) -> ResponseReturnValue:
    body = load(LeadPatch(), partial=True)
    if not body or body.get("name", "x") is None:
        raise ValidationFailed("nothing to change", details={"name": ["give at least one field; name not null"]})
    row = commands.update_lead(service_context(), event_context(), principal(), path_id(lead_id, "lead"), body)
    return jsonify(lead_json(row))


@bp.post("/leads/<lead_id>/convert")
@api_doc(body=ConvertIn, response=out.LeadConversion, summary="Convert a lead into a customer, a contact and optionally an opportunity")
def convert_lead(lead_id: str) -> ResponseReturnValue:
    body = load(ConvertIn())
    return jsonify(commands.convert_lead(service_context(), event_context(), principal(), path_id(lead_id, "lead"),
                                         body))
