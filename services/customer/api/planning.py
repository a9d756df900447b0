"""Weekly work plans / summaries per rep, and out-of-office registrations linked to customers."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError, validates, validates_schema

from services.customer.access import customer_clause
from services.customer.api import answers as out
from services.customer.api.common import text
from services.customer.commands import planning as commands
from services.customer.domain.rules import is_week_start
from services.customer.models import out_of_office, work_plans
from shared.errors import NotFound, ValidationFailed
from shared.fields import AwareDateTime, Date, uuid_field
from shared.openapi import api_doc
from shared.service import service_context
from shared.visibility import owner_filter
from shared.web import (
    count_and_page,
    date_arg,
    event_context,
    iso,
    load,
    page_args,
    page_response,
    path_id,
    principal,
    uuid_arg,
)

bp = Blueprint("planning", __name__)


class PlanIn(Schema):
    week_start = Date(required=True)
    plan = text(10000, required=True)
    summary = text(10000)

    @validates("week_start")
    def _monday(self, value: Any, **_kw: Any) -> None:
        if not is_week_start(value):
            raise ValidationError("must be the Monday of the week")


class PlanPatch(Schema):
    plan = text(10000)
    summary = text(10000)


class AbsenceIn(Schema):
    customer_id = uuid_field(required=True)
    start_at = AwareDateTime(required=True, default_timezone=None)
    end_at = AwareDateTime(required=True, default_timezone=None)
    destination = text(300)
    purpose = text(2000, required=True)

    @validates_schema
    def _order(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("start_at") and data.get("end_at") and data["end_at"] <= data["start_at"]:
            raise ValidationError("must be after start_at", "end_at")


def plan_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "user_id": row.user_id, "week_start": row.week_start.isoformat(), "plan": row.plan,
            "summary": row.summary, "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)}


@bp.post("/work-plans")
@api_doc(body=PlanIn, response=out.WorkPlan, status=201, summary="Submit a weekly work plan")
def submit_plan() -> ResponseReturnValue:
    body = load(PlanIn())
    row = commands.submit_plan(service_context(), event_context(), principal(), body)
    return jsonify(plan_json(row)), 201


@bp.patch("/work-plans/<plan_id>")
@api_doc(body=PlanPatch(partial=True), response=out.WorkPlan, summary="Change a work plan or add its summary")
def update_plan(plan_id: str) -> ResponseReturnValue:
    body = load(PlanPatch(), partial=True)
    if not body or ("plan" in body and not body["plan"]):
        raise ValidationFailed("nothing to change", details={"plan": ["give a non-empty plan and/or a summary"]})
    row = commands.update_plan(service_context(), event_context(), principal(), path_id(plan_id, "work plan"), body)
    return jsonify(plan_json(row))


@bp.get("/work-plans")
@api_doc(page=out.WorkPlan, summary="Work plans (user_id, week_start)")
def list_plans() -> ResponseReturnValue:
    page, per_page = page_args()
    ctx = service_context()
    with ctx.engine.connect() as conn:
        where = [owner_filter(conn, principal(), work_plans.c.user_id, "customer")]
        user_id = uuid_arg(request.args.get("user_id"), "user_id")
        if user_id:
            where.append(work_plans.c.user_id == user_id)
        week_start = date_arg("week_start")
        if week_start:
            where.append(work_plans.c.week_start == week_start)
        rows, total = count_and_page(
            conn, sa.select(work_plans).where(*where)
            .order_by(work_plans.c.week_start.desc(), work_plans.c.id), page, per_page)
    return page_response([plan_json(r) for r in rows], total, page, per_page)


@bp.get("/work-plans/<plan_id>")
@api_doc(response=out.WorkPlan, summary="A work plan")
def get_plan(plan_id: str) -> ResponseReturnValue:
    with service_context().engine.connect() as conn:
        row = conn.execute(sa.select(work_plans).where(
            work_plans.c.id == path_id(plan_id, "work plan"),
            owner_filter(conn, principal(), work_plans.c.user_id, "customer"))).first()
    if row is None:
        raise NotFound("work plan not found")
    return jsonify(plan_json(row))


def absence_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "user_id": row.user_id, "customer_id": row.customer_id, "start_at": iso(row.start_at),
            "end_at": iso(row.end_at), "destination": row.destination, "purpose": row.purpose,
            "created_at": iso(row.created_at)}


@bp.post("/out-of-office")
@api_doc(body=AbsenceIn, response=out.Absence, status=201, summary="Register an out-of-office visit")
def register_absence() -> ResponseReturnValue:
    body = load(AbsenceIn())
    row = commands.register_absence(service_context(), event_context(), principal(), body)
    return jsonify(absence_json(row)), 201


@bp.get("/out-of-office")
@api_doc(page=out.Absence, summary="Out-of-office visits (user_id, customer_id)")
def list_absences() -> ResponseReturnValue:
    page, per_page = page_args()
    ctx = service_context()
    with ctx.engine.connect() as conn:
        who = principal()
        where = [customer_clause(conn, who, out_of_office.c.customer_id),
                 owner_filter(conn, who, out_of_office.c.user_id, "customer")]
        for name in ("user_id", "customer_id"):
            value = uuid_arg(request.args.get(name), name)
            if value:
                where.append(out_of_office.c[name] == value)
        rows, total = count_and_page(
            conn, sa.select(out_of_office).where(*where)
            .order_by(out_of_office.c.start_at.desc(), out_of_office.c.id.desc()), page, per_page)
    return page_response([absence_json(r) for r in rows], total, page, per_page)
