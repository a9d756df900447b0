"""/campaigns (issue 16, 美萍 营销活动): plan, list, read and change campaigns; their members
(customers, contacts, leads; the list shows a caller only those they could see anyway);
mass mail as a background job (services/customer/mail_worker.py; progress at GET /jobs/{id});
the campaign's return; the public unsubscribe link. Writes: commands/campaigns.py and
commands/mailings.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError, fields, validate

from services.customer.api import answers as out
from services.customer.api.common import text
from services.customer.api.customer_filters import filter_conditions
from services.customer.commands import campaigns as commands
from services.customer.commands import mailings
from services.customer.domain import bulk as bulk_rules
from services.customer.domain import campaigns as rules
from services.customer.models import (
    campaign_mailings,
    campaign_members,
    campaign_opportunities,
    campaigns,
    contacts,
    customers,
    leads,
)
from shared.errors import ValidationFailed
from shared.fields import Date, Money, uuid_field
from shared.money import fmt
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import (
    count_and_page,
    event_context,
    iso,
    json_body,
    load,
    load_query,
    page_args,
    page_response,
    path_id,
    principal,
    uuid_arg,
)

bp = Blueprint("campaigns", __name__)
MAX_IDS = commands.MAX_MEMBERS_PER_CALL


class CampaignIn(Schema):
    name = text(200, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(rules.KINDS))
    starts_on = Date(required=True)
    ends_on = Date(required=True)
    budget = Money(required=True)
    actual_cost = Money(allow_none=True, load_default=None)
    product_ids = fields.List(uuid_field(required=True, allow_none=False), load_default=list,
                              validate=validate.Length(max=100))
    description = text(5000)


class CampaignPatch(CampaignIn):
    status = fields.String(validate=validate.OneOf(rules.STATUSES))


class MembersIn(Schema):
    customer_ids = fields.List(uuid_field(required=True, allow_none=False), validate=validate.Length(max=MAX_IDS))
    lead_ids = fields.List(uuid_field(required=True, allow_none=False), validate=validate.Length(max=MAX_IDS))
    contact_ids = fields.List(uuid_field(required=True, allow_none=False), validate=validate.Length(max=MAX_IDS))
    customer_filter = fields.Dict(metadata={
        "description": "customers by the customer list's filters: " + ", ".join(bulk_rules.FILTER_KEYS)})


class MailIn(Schema):
    subject = fields.String(required=True, validate=[validate.Length(min=1, max=300),
                                                     validate.Regexp(r"^[^\r\n]*$", error="one line")])
    body = fields.String(required=True, validate=validate.Length(min=1, max=100_000))


def campaign_json(row: Any, members: int | None = None) -> dict[str, Any]:
    return {**commands.snapshot(row), "description": row.description, "members": members,
            "created_by": row.created_by, "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)}


def _campaign_id(value: str) -> str:
    return path_id(value, "campaign")


def _member_count(conn: sa.Connection, campaign_id: str) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(campaign_members)
                        .where(campaign_members.c.campaign_id == campaign_id)).scalar_one()


@bp.post("/campaigns")
@api_doc(body=CampaignIn, response=out.Campaign, status=201, summary="Plan a marketing campaign (manager, admin)")
def create_campaign() -> ResponseReturnValue:
    who = principal()
    commands.require_editor(who)
    body = load(CampaignIn())
    row = commands.create_campaign(service_context(), event_context(), who, body)
    return jsonify(campaign_json(row, 0)), 201


@bp.get("/campaigns")
@api_doc(page=out.Campaign, summary="Campaigns, newest start first (status, kind, product_id, q: part of the name, "
                                    "active_on: a date the campaign runs on)")
def list_campaigns() -> ResponseReturnValue:
    who = principal()
    commands.require_reader(who)
    page, per_page = page_args()
    args = request.args
    errors: dict[str, list[str]] = {}
    where = []
    for name, choices in (("status", rules.STATUSES), ("kind", rules.KINDS)):
        value = args.get(name)
        if value and value not in choices:
            errors[name] = [f"must be one of {', '.join(choices)}"]
        elif value:
            where.append(campaigns.c[name] == value)
    q = (args.get("q") or "").strip()
    if len(q) > 200:
        errors["q"] = ["at most 200 characters"]
    elif q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(campaigns.c.name.ilike(f"%{escaped}%", escape="\\"))
    if errors:
        raise ValidationFailed("invalid filters", details=errors)
    product_id = uuid_arg(args.get("product_id"), "product_id")
    if product_id:
        where.append(campaigns.c.product_ids.contains([product_id]))
    if args.get("active_on"):
        try:
            day = Date().deserialize(args["active_on"])
        except ValidationError:
            raise ValidationFailed("invalid filters", details={"active_on": ["must be a date YYYY-MM-DD"]}) from None
        where += [campaigns.c.starts_on <= day, campaigns.c.ends_on >= day]
    members = (sa.select(sa.func.count()).select_from(campaign_members)
               .where(campaign_members.c.campaign_id == campaigns.c.id).scalar_subquery())
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(conn, sa.select(campaigns, members.label("member_count")).where(*where)
                                     .order_by(campaigns.c.starts_on.desc(), campaigns.c.id.desc()), page, per_page)
    return page_response([campaign_json(r, r.member_count) for r in rows], total, page, per_page)


@bp.get("/campaigns/<campaign_id>")
@api_doc(response=out.Campaign, summary="A campaign")
def get_campaign(campaign_id: str) -> ResponseReturnValue:
    who = principal()
    commands.require_reader(who)
    with service_context().engine.connect() as conn:
        row = commands.load_campaign(conn, _campaign_id(campaign_id))
        return jsonify(campaign_json(row, _member_count(conn, row.id)))


@bp.patch("/campaigns/<campaign_id>")
@api_doc(body=CampaignPatch(partial=True), response=out.Campaign,
         summary="Change a campaign: status planned -> active -> completed, or cancelled (409 otherwise); actual cost")
def update_campaign(campaign_id: str) -> ResponseReturnValue:
    who = principal()
    commands.require_editor(who)
    cid = _campaign_id(campaign_id)
    body = load(CampaignPatch(), partial=True)
    if not body:
        raise ValidationFailed("nothing to change", details={"_schema": ["give at least one field"]})
    for required in ("name", "kind", "starts_on", "ends_on", "budget"):
        if required in body and body[required] is None:
            raise ValidationFailed("invalid campaign", details={required: ["may not be null"]})
    row = commands.update_campaign(service_context(), event_context(), who, cid, body)
    with service_context().engine.connect() as conn:
        return jsonify(campaign_json(row, _member_count(conn, row.id)))


# ---- members -----------------------------------------------------------------------------

@bp.post("/campaigns/<campaign_id>/members")
@api_doc(body=MembersIn, response=out.MembersAdded,
         summary="Add customers, contacts and leads (by ids, or customers by the list's filters); "
                 "one already there is not added twice")
def add_members(campaign_id: str) -> ResponseReturnValue:
    who = principal()
    commands.require_editor(who)
    cid = _campaign_id(campaign_id)
    raw = json_body()
    body = load(MembersIn(), raw)
    wanted = {kind: body[field] for kind, field in commands.FIELD_OF.items() if body.get(field)}
    flt = body.get("customer_filter")
    if flt is not None:
        errors = bulk_rules.check_target({"filter": flt})
        if errors:
            raise ValidationFailed("invalid filter", details={k.replace("filter", "customer_filter", 1): v
                                                              for k, v in errors.items()})
        with service_context().engine.connect() as conn:
            where = filter_conditions(conn, who, flt, bulk_rules.FILTER_KEYS)
            found = conn.execute(sa.select(customers.c.id).where(*where, customers.c.deleted_at.is_(None))
                                 .order_by(customers.c.created_at, customers.c.id).limit(MAX_IDS + 1)).scalars().all()
        if len(found) > MAX_IDS:
            raise ValidationFailed("too many customers", code="too_many_records",
                                   details={"customer_filter": [f"matches more than {MAX_IDS} customers; narrow it"]})
        wanted["customer"] = list(dict.fromkeys([*wanted.get("customer", []), *found]))
    if not wanted and flt is None:
        raise ValidationFailed("no members given", details={"_schema": [
            "give customer_ids, contact_ids, lead_ids or customer_filter"]})
    return jsonify(commands.add_members(service_context(), event_context(), who, cid, wanted))


_MEMBER_NAME = sa.func.coalesce(customers.c.name, contacts.c.name, leads.c.name)
_MEMBER_EMAIL = sa.func.coalesce(contacts.c.email, leads.c.email)


@bp.get("/campaigns/<campaign_id>/members")
@api_doc(page=out.CampaignMember, summary="The campaign's members the caller could see anyway "
                                          "(member_type, q: part of the name)")
def list_members(campaign_id: str) -> ResponseReturnValue:
    who = principal()
    commands.require_reader(who)
    cid = _campaign_id(campaign_id)
    page, per_page = page_args()
    member_type = request.args.get("member_type")
    if member_type and member_type not in rules.MEMBER_TYPES:
        raise ValidationFailed("invalid filters", details={"member_type": [
            f"must be one of {', '.join(rules.MEMBER_TYPES)}"]})
    m = campaign_members
    with service_context().engine.connect() as conn:
        commands.load_campaign(conn, cid)
        query = (sa.select(m, _MEMBER_NAME.label("name"), _MEMBER_EMAIL.label("email"))
                 .select_from(m.outerjoin(customers, sa.and_(m.c.member_type == "customer", customers.c.id == m.c.member_id))
                 .outerjoin(contacts, sa.and_(m.c.member_type == "contact", contacts.c.id == m.c.member_id))
                 .outerjoin(leads, sa.and_(m.c.member_type == "lead", leads.c.id == m.c.member_id)))
                 .where(m.c.campaign_id == cid, commands.member_clause(conn, who)))
        if member_type:
            query = query.where(m.c.member_type == member_type)
        q = (request.args.get("q") or "").strip()
        if q:
            escaped = q[:100].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(_MEMBER_NAME.ilike(f"%{escaped}%", escape="\\"))
        rows, total = count_and_page(conn, query.order_by(m.c.added_at.desc(), m.c.member_type, m.c.member_id),
                                     page, per_page)
    return page_response([{
        "member_type": r.member_type, "member_id": r.member_id, "customer_id": r.customer_id, "name": r.name,
        "email": r.email, "added_at": iso(r.added_at), "reached_at": iso(r.reached_at),
        "bounced_at": iso(r.bounced_at), "bounce_reason": r.bounce_reason,
        "unsubscribed_at": iso(r.unsubscribed_at)} for r in rows], total, page, per_page)


# ---- mailings ----------------------------------------------------------------------------

def mailing_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "kind": "mailing", "campaign_id": row.campaign_id, "subject": row.subject,
            "status": row.status, "total": row.total, "processed": row.processed, "sent": row.sent,
            "skipped": row.skipped, "bounced": row.bounced, "error_count": row.error_count, "errors": row.errors,
            "message": row.message, "created_by": row.created_by, "created_at": iso(row.created_at),
            "finished_at": iso(row.finished_at)}


@bp.post("/campaigns/<campaign_id>/emails")
@api_doc(body=MailIn, response=out.MailingQueued, status=202,
         summary="Mail every member (a background job: progress at GET /jobs/{job_id}); unsubscribed and "
                 "bounced addresses are skipped")
def send_mail(campaign_id: str) -> ResponseReturnValue:
    who = principal()
    commands.require_editor(who)
    cid = _campaign_id(campaign_id)
    body = load(MailIn())
    return jsonify(mailings.queue_mailing(service_context(), who, cid, body, g.get("request_id"))), 202


@bp.get("/campaigns/<campaign_id>/emails")
@api_doc(page=out.Mailing, summary="The campaign's mailings, newest first")
def list_mailings(campaign_id: str) -> ResponseReturnValue:
    who = principal()
    commands.require_reader(who)
    cid = _campaign_id(campaign_id)
    page, per_page = page_args()
    with service_context().engine.connect() as conn:
        commands.load_campaign(conn, cid)
        rows, total = count_and_page(conn, sa.select(campaign_mailings).where(campaign_mailings.c.campaign_id == cid)
                                     .order_by(campaign_mailings.c.created_at.desc(), campaign_mailings.c.id),
                                     page, per_page)
    return page_response([mailing_json(r) for r in rows], total, page, per_page)


# ---- return ------------------------------------------------------------------------------

@bp.get("/campaigns/<campaign_id>/roi")
@api_doc(response=out.CampaignReturn, summary="The campaign's return: members reached, leads, opportunities, "
                                              "won amount, cost, ROI in percent")
def campaign_roi(campaign_id: str) -> ResponseReturnValue:
    who = principal()
    commands.require_reader(who)
    cid = _campaign_id(campaign_id)
    o = campaign_opportunities
    with service_context().engine.connect() as conn:
        row = commands.load_campaign(conn, cid)
        counts = mailings.member_counts(conn, cid)
        lead_count = conn.execute(sa.select(sa.func.count()).select_from(leads)
                                  .where(leads.c.campaign_id == cid)).scalar_one()
        opps, won = conn.execute(sa.select(
            sa.func.count(), sa.func.coalesce(sa.func.sum(o.c.amount).filter(o.c.stage == "won"), 0))
            .where(o.c.campaign_id == cid)).one()
    result = rules.campaign_return(Decimal(won), row.budget, row.actual_cost)
    return jsonify({**counts, "leads": lead_count, "opportunities": opps, "won_amount": fmt(result.won_amount),
                    "budget": fmt(row.budget), "actual_cost": fmt(row.actual_cost) if row.actual_cost is not None
                    else None, "roi": str(result.roi) if result.roi is not None else None})


# ---- the public unsubscribe link ---------------------------------------------------------

UNSUBSCRIBE_PREFIX = "/campaigns/unsubscribe/"


class UnsubscribeQuery(Schema):
    lang = fields.String(validate=validate.OneOf(("zh", "en")),
                         metadata={"description": "the answer's language: zh or en (default: both)"})


UNSUBSCRIBED = {"zh": "您已退订，今后不会再收到我们的营销邮件。",
                "en": "You have been unsubscribed and will receive no more campaign mail."}


@bp.get("/campaigns/unsubscribe/<token>")
@api_doc(response=out.Unsubscribed, query=UnsubscribeQuery, responses={404: "not a link of ours"},
         summary="The unsubscribe link of a campaign message (public: the signed token is the credential); "
                 "later campaigns skip the address")
def unsubscribe(token: str) -> ResponseReturnValue:
    lang = load_query(UnsubscribeQuery()).get("lang")
    if len(token) > 600:
        raise ValidationFailed("invalid token", details={"token": ["too long"]})
    answer = mailings.unsubscribe(service_context(), token)
    return jsonify({**answer, "message": UNSUBSCRIBED[lang] if lang else f"{UNSUBSCRIBED['zh']} {UNSUBSCRIBED['en']}"})
