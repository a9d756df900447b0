"""/opportunities: create, list, read, update, the pipeline and the monthly forecast."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate

from services.sales import opportunity_store as store
from services.sales import project_store, stage_history
from services.sales.api import answers as out
from services.sales.api.common import (
    MoneyField,
    config,
    customer_name_match,
    like_pattern,
    require_customer,
    search_arg,
    sort_arg,
    today,
    writer,
)
from services.sales.competitors import require_competitors
from services.sales.domain import opportunities as rules
from services.sales.models import opportunities
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.fields import Date, uuid_field
from shared.money import ZERO, fmt
from shared.openapi import api_doc
from shared.service import request_emitter, service_context
from shared.visibility import can_see_customer, customer_filter, require_assignable_owner
from shared.web import (
    count_and_page,
    date_arg,
    load,
    page_args,
    page_response,
    path_id,
    principal,
    uuid_arg,
)

bp = Blueprint("opportunities", __name__)

# per opportunity amount x probability%, half-up to cents (numeric round: half away from zero)
WEIGHTED_SUM = sa.func.sum(sa.func.round(
    opportunities.c.amount * opportunities.c.probability / sa.literal(Decimal(100), sa.Numeric), 2))

_TEXT = {"validate": validate.Length(max=500), "allow_none": True}


class OpportunityCreate(Schema):
    customer_id = uuid_field(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    amount = MoneyField(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(rules.STAGES))
    expected_close_date = Date(load_default=None, allow_none=True)
    next_step = fields.String(load_default=None, **_TEXT)
    lost_reason = fields.String(load_default=None, **_TEXT)
    competitors = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                              load_default=list, validate=validate.Length(max=50))
    probability = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100))
    owner_id = uuid_field(load_default=None, allow_none=True)
    project_id = uuid_field(load_default=None, allow_none=True)
    competitor_ids = fields.List(uuid_field(), load_default=list, validate=validate.Length(max=50))
    lost_to_competitor_id = uuid_field(load_default=None, allow_none=True)
    source = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))  # issue 16
    budget = MoneyField(load_default=None, allow_none=True)  # the customer's budget for it (issue 16)


class OpportunityPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=300))
    amount = MoneyField()
    stage = fields.String(validate=validate.OneOf(rules.STAGES))
    expected_close_date = Date(allow_none=True)
    next_step = fields.String(**_TEXT)
    lost_reason = fields.String(**_TEXT)
    competitors = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                              validate=validate.Length(max=50))
    probability = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100))
    project_id = uuid_field(allow_none=True)
    competitor_ids = fields.List(uuid_field(), validate=validate.Length(max=50))
    lost_to_competitor_id = uuid_field(allow_none=True)
    source = fields.String(allow_none=True, validate=validate.Length(max=100))
    budget = MoneyField(allow_none=True)


def _check_project(conn, p, project_id: str | None, customer_id: str) -> None:
    """A project named on an opportunity: one the caller sees, of the same customer (422)."""
    if project_id is None:
        return
    row = project_store.load(conn, project_id)
    if row is None or not can_see_customer(conn, p, row["customer_id"], "sales", read=True):
        raise ValidationFailed("unknown project", details={"project_id": ["no such project"]})
    if row["customer_id"] != customer_id:
        raise ValidationFailed("the project belongs to another customer",
                               details={"project_id": ["belongs to another customer"]})


def _competitors(conn, stage: str, competitor_ids: list[str], lost_to: str | None) -> tuple[list[str], str | None]:
    """The competitor fields after the rules (services/sales/domain/opportunities.py) and
    the check against the copy of the competitors (422 for an unknown one)."""
    try:
        ids, lost_to = rules.competitor_fields(stage, competitor_ids, lost_to)
    except rules.BadCompetitors as exc:
        raise ValidationFailed(str(exc), details={exc.field: [str(exc)]}) from None
    require_competitors(conn, ids, lost_to)
    return ids, lost_to


@bp.post("/opportunities")
@api_doc(response=out.Opportunity, body=OpportunityCreate, status=201, summary="Create an opportunity (probability from its stage unless given)", tags=["sales"])
def create():
    p = writer()
    body = load(OpportunityCreate())
    probability = body.pop("probability")
    if probability is None:
        probability = config().stage_probabilities[body["stage"]]
    ctx = service_context()
    with ctx.engine.begin() as conn:
        customer_owner = require_customer(conn, p, body["customer_id"])
        _check_project(conn, p, body["project_id"], body["customer_id"])
        owner = body.pop("owner_id")
        if owner:  # only an active user the caller may assign to (shared rule, every service)
            owner = require_assignable_owner(conn, p, owner)
        else:
            owner = p.user_id if p.role in ("sales", "manager") else customer_owner
        body["competitor_ids"], body["lost_to_competitor_id"] = _competitors(
            conn, body["stage"], body["competitor_ids"], body["lost_to_competitor_id"])
        row = store.insert(conn, request_emitter(conn), {"id": str(uuid.uuid4()), "owner_id": owner,
                                                 "probability": probability, "lead_id": None, **body},
                           by=p.user_id)
    return jsonify(store.view(row)), 201


def _visible(conn, p, opp_id: str, *, lock: bool = False, domain: str = "sales", read: bool = False) -> dict:
    row = store.load(conn, path_id(opp_id, "opportunity"), lock=lock)
    if row is None or not can_see_customer(conn, p, row["customer_id"], domain, read=read):
        raise NotFound("opportunity not found")
    return row


@bp.get("/opportunities/<opp_id>")
@api_doc(response=out.Opportunity, summary="An opportunity", tags=["sales"])
def get(opp_id: str):
    with service_context().engine.connect() as conn:
        return jsonify(store.view(_visible(conn, principal(), opp_id, read=True)))


@bp.get("/opportunities/<opp_id>/stage-history")
@api_doc(response=out.StageHistory, summary="An opportunity's stage changes, oldest first: who, when, days in the stage left",
         tags=["sales"])
def stage_history_of(opp_id: str):
    with service_context().engine.connect() as conn:
        row = _visible(conn, principal(), opp_id, read=True)
        items = stage_history.history(conn, row["id"])
    out_items = [{**i, "changed_at": i["changed_at"].isoformat()} for i in items]
    return jsonify({"items": out_items, "total": len(out_items), "page": 1, "per_page": max(len(out_items), 1)})


@bp.patch("/opportunities/<opp_id>")
@api_doc(response=out.Opportunity, body=OpportunityPatch(partial=True), summary="Update stage, amount, next step, lost reason, competitors; won/lost are final (409)", tags=["sales"])
def patch(opp_id: str):
    p = writer()
    changes = load(OpportunityPatch(), partial=True)
    if not changes:
        raise ValidationFailed("nothing to change", details={"_schema": ["give at least one field"]})
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = _visible(conn, p, opp_id, lock=True)
        if "project_id" in changes:
            _check_project(conn, p, changes["project_id"], row["customer_id"])
        new_stage = changes.get("stage", row["stage"])
        try:
            rules.check_stage_change(row["stage"], new_stage)
        except rules.IllegalStageChange as exc:
            raise Conflict(str(exc), code="opportunity_closed", details={"stage": row["stage"]}) from None
        if "stage" in changes and "probability" not in changes and new_stage != row["stage"]:
            changes["probability"] = config().stage_probabilities[new_stage]
        if changes.get("probability", 0) is None:
            changes["probability"] = config().stage_probabilities[new_stage]
        if "competitor_ids" in changes or "lost_to_competitor_id" in changes:
            changes["competitor_ids"], changes["lost_to_competitor_id"] = _competitors(
                conn, new_stage, changes.get("competitor_ids", row["competitor_ids"] or []),
                changes.get("lost_to_competitor_id", row["lost_to_competitor_id"]))
        changes["updated_at"] = datetime.now(UTC)
        conn.execute(sa.update(opportunities).where(opportunities.c.id == row["id"]).values(**changes))
        stage_history.record(conn, row["id"], row["stage"], new_stage, p.user_id, changes["updated_at"])
        row = {**row, **changes}
        store.publish(request_emitter(conn), "sales.opportunity.updated", row)
    return jsonify(store.view(row))


def _list_filters(conn, p, *, read: bool = False) -> list:
    """Visibility (read=True: the list, where assignment grants count; not the pipeline and
    forecast, which are a team's figures) and the foreign-key filters."""
    where = [customer_filter(conn, p, opportunities.c.customer_id, "sales", read=read)]
    for key in ("customer_id", "owner_id", "project_id"):
        value = uuid_arg(request.args.get(key), key)
        if value:
            where.append(opportunities.c[key] == value)
    return where


SORTS = {key: opportunities.c[key] for key in (
    "name", "amount", "probability", "expected_close_date", "created_at", "updated_at")}
SORTS["stage"] = sa.case({stage: i for i, stage in enumerate(rules.STAGES)}, value=opportunities.c.stage)  # pipeline order


@bp.get("/opportunities")
@api_doc(page=out.Opportunity, summary="Opportunities (customer_id, owner_id, project_id, stage, q: name or customer name, sort: "
         "name, amount, stage, probability, expected_close_date, created_at, updated_at, - for descending)",
         tags=["sales"])
def list_():
    p = principal()
    page, per_page = page_args()
    stage = request.args.get("stage") or None
    if stage and stage not in rules.STAGES:
        raise ValidationFailed("invalid stage", details={"stage": [f"one of {', '.join(rules.STAGES)}"]})
    q = search_arg()
    order = sort_arg(SORTS, [opportunities.c.created_at.desc(), opportunities.c.id.desc()], opportunities.c.id)
    with service_context().engine.connect() as conn:
        where = _list_filters(conn, p, read=True)
        if stage:
            where.append(opportunities.c.stage == stage)
        if q:
            where.append(sa.or_(opportunities.c.name.ilike(like_pattern(q)),
                                customer_name_match(opportunities.c.customer_id, q)))
        page_rows, total = count_and_page(
            conn, sa.select(opportunities).where(*where).order_by(*order), page, per_page)
        rows = [r._mapping for r in page_rows]
        items = [store.view(dict(r)) for r in rows]
    return page_response(items, total, page, per_page)


@bp.get("/opportunities/pipeline")
@api_doc(response=out.Pipeline, summary="Per stage: count, amount, weighted amount (owner_id)", tags=["sales"])
def pipeline():
    p = principal()
    with service_context().engine.connect() as conn:
        rows = conn.execute(
            sa.select(opportunities.c.stage, sa.func.count(), sa.func.sum(opportunities.c.amount), WEIGHTED_SUM)
            .where(*_list_filters(conn, p)).group_by(opportunities.c.stage)
        ).all()
    stages = rules.pipeline(rows, config().stage_probabilities)
    items = [{**s, "amount": fmt(s["amount"]), "weighted_amount": fmt(s["weighted_amount"])} for s in stages]
    open_items = [s for s in stages if s["stage"] not in rules.CLOSED]
    return jsonify({
        "items": items,
        "total": {"count": sum(s["count"] for s in open_items),
                  "amount": fmt(sum((s["amount"] for s in open_items), start=ZERO)),
                  "weighted_amount": fmt(sum((s["weighted_amount"] for s in open_items), start=ZERO))},
    })


@bp.get("/opportunities/forecast")
@api_doc(response=out.Forecast, summary="Per month of expected close: count, amount, weighted amount (from, to, owner_id, customer_id)", tags=["sales"])
def forecast():
    """Per month of expected close (from..to, at most 36 months; default this month and
    the next five): count, amount and weighted amount of the opportunities not lost."""
    p = principal()
    start = (date_arg("from") or today()).replace(day=1)
    end = date_arg("to")
    if not (1900 <= start.year <= 2990 and (end is None or end.year <= 2999)):
        raise ValidationFailed("invalid range", details={"from": ["years 1900 to 2999"]})
    end = end or rules.add_months(start, 6) - timedelta(days=1)
    months = rules.months_between(start, end)
    if not months or len(months) > 36:
        raise ValidationFailed("invalid range", details={"to": ["must be after from, at most 36 months"]})
    stop = rules.add_months(end, 1)
    month = sa.func.to_char(opportunities.c.expected_close_date, "YYYY-MM")
    with service_context().engine.connect() as conn:
        rows = conn.execute(
            sa.select(month, sa.func.count(), sa.func.sum(opportunities.c.amount), WEIGHTED_SUM)
            .where(*_list_filters(conn, p), opportunities.c.stage != "lost",
                   opportunities.c.expected_close_date >= start, opportunities.c.expected_close_date < stop)
            .group_by(month)
        ).all()
    out = rules.forecast(rows, months)
    return jsonify({"items": [{"month": r.month, "count": r.count, "amount": fmt(r.amount),
                               "weighted_amount": fmt(r.weighted_amount)} for r in out]})
