"""Tracking's HTTP API."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, request

from services.tracking.models import events
from shared.errors import NotFound, ValidationFailed
from shared.service import service_context
from shared.visibility import can_see_customer
from shared.web import page_args, page_response, principal, uuid_arg

bp = Blueprint("tracking", __name__)


def entry(row) -> dict:
    return {
        "occurred_at": row.occurred_at.isoformat(),
        "type": row.event_type,
        "actor_id": row.actor_id,
        "summary": row.summary,
        "summary_zh": row.summary_zh,
        "event_id": row.event_id,
        "service": row.service,
        "aggregate_type": row.aggregate_type,
        "aggregate_id": row.aggregate_id,
        "data": row.data,
    }


@bp.get("/timeline")
def timeline():
    customer_id = uuid_arg(request.args.get("customer_id"), "customer_id")
    if not customer_id:
        raise ValidationFailed("customer_id is required", details={"customer_id": ["required"]})
    page, per_page = page_args()
    ctx = service_context()
    with ctx.engine.connect() as conn:
        if not can_see_customer(conn, principal(), customer_id, "tracking"):
            raise NotFound("customer not found")
        where = events.c.customer_id == customer_id
        total = conn.execute(sa.select(sa.func.count()).select_from(events).where(where)).scalar_one()
        rows = conn.execute(
            sa.select(events).where(where)
            .order_by(events.c.occurred_at.desc(), events.c.seq.desc())
            .limit(per_page).offset((page - 1) * per_page)
        ).all()
    return page_response([entry(r) for r in rows], total, page, per_page)


def blueprints() -> list[Blueprint]:
    return [bp]
