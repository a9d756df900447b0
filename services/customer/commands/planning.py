"""Planning commands: a rep's weekly work plan (one per week; its summary added later) and
out-of-office visits to a customer the caller may fill in."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from services.customer.access import require_customer_field
from services.customer.api.common import aware
from services.customer.models import out_of_office, work_plans
from shared.errors import Conflict, NotFound
from shared.identity import Principal
from shared.outbox import EventContext
from shared.service import ServiceContext
from shared.web import iso


def _plan_event(row: Any) -> dict[str, Any]:
    return {"id": row.id, "user_id": row.user_id, "week_start": row.week_start.isoformat(), "plan": row.plan,
            "summary": row.summary}


def submit_plan(ctx: ServiceContext, events: EventContext, p: Principal, body: Mapping[str, Any]) -> Row:
    """The caller's plan for a week (409 duplicate_work_plan for a second one);
    customer.work_plan.submitted."""
    with ctx.transaction(events) as (conn, emit):
        savepoint = conn.begin_nested()
        try:
            row = conn.execute(work_plans.insert().values(
                id=str(uuid.uuid4()), user_id=p.user_id, week_start=body["week_start"],
                plan=body["plan"].strip(), summary=body.get("summary"),
            ).returning(*work_plans.c)).one()
            savepoint.commit()
        except IntegrityError:
            savepoint.rollback()
            raise Conflict("you have a plan for that week; PATCH it", code="duplicate_work_plan") from None
        emit("customer.work_plan.submitted", aggregate_type="work_plan", aggregate_id=row.id, data=_plan_event(row))
    return row


def update_plan(ctx: ServiceContext, events: EventContext, p: Principal, plan_id: str,
                changes: Mapping[str, Any]) -> Row:
    """Only the plan's author (404 for anyone else); customer.work_plan.updated."""
    with ctx.transaction(events) as (conn, emit):
        row = conn.execute(sa.select(work_plans).where(work_plans.c.id == plan_id, work_plans.c.user_id == p.user_id)
                           .with_for_update()).first()
        if row is None:
            raise NotFound("work plan not found")
        row = conn.execute(work_plans.update().where(work_plans.c.id == row.id)
                           .values(**changes, updated_at=sa.func.now()).returning(*work_plans.c)).one()
        emit("customer.work_plan.updated", aggregate_type="work_plan", aggregate_id=row.id, data=_plan_event(row))
    return row


def register_absence(ctx: ServiceContext, events: EventContext, p: Principal, body: Mapping[str, Any]) -> Row:
    """customer.out_of_office.registered."""
    with ctx.transaction(events) as (conn, emit):
        customer = require_customer_field(conn, p, body["customer_id"])
        row = conn.execute(out_of_office.insert().values(
            id=str(uuid.uuid4()), user_id=p.user_id, customer_id=customer.id,
            start_at=aware(body["start_at"]), end_at=aware(body["end_at"]), destination=body.get("destination"),
            purpose=body["purpose"].strip(),
        ).returning(*out_of_office.c)).one()
        emit("customer.out_of_office.registered", aggregate_type="out_of_office", aggregate_id=row.id,
             customer_id=customer.id,
             data={"id": row.id, "user_id": row.user_id, "customer_id": row.customer_id,
                   "start_at": iso(row.start_at), "end_at": iso(row.end_at),
                   "destination": row.destination, "purpose": row.purpose})
    return row
