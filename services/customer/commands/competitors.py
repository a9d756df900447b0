"""Competitor commands: record one (409 duplicate_competitor for a name in use) and change
it; each write emits customer.competitor.created / .updated so sales and tracking keep
their copies (the ids opportunities name, the names the losses report shows)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from services.customer.domain.competitors import competitor_key, may_edit_competitors
from services.customer.models import competitors
from shared.errors import Conflict, Forbidden, NotFound
from shared.identity import Principal
from shared.outbox import Emitter, EventContext
from shared.service import ServiceContext

FIELDS = ("name", "website", "strengths", "weaknesses")


def snapshot(row: Any) -> dict[str, Any]:
    return {"id": row.id, **{k: getattr(row, k) for k in FIELDS}}


def _require_editor(p: Principal) -> None:
    if not may_edit_competitors(p.role):
        raise Forbidden("only sales, managers and admins record competitors")


def _emit(emit: Emitter, event_type: str, row: Any) -> None:
    emit(event_type, aggregate_type="competitor", aggregate_id=row.id, data=snapshot(row))


def _write(conn: Connection, stmt: Any) -> Row:
    savepoint = conn.begin_nested()
    try:
        row = conn.execute(stmt.returning(*competitors.c)).one()
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        raise Conflict("a competitor with this name exists", code="duplicate_competitor") from None
    return row


def load_competitor(conn: Connection, competitor_id: str, *, for_update: bool = False) -> Row:
    query = sa.select(competitors).where(competitors.c.id == competitor_id)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound("competitor not found")
    return row


def record_competitor(ctx: ServiceContext, events: EventContext, p: Principal, body: Mapping[str, Any]) -> Row:
    _require_editor(p)
    with ctx.transaction(events) as (conn, emit):
        name = body["name"].strip()
        row = _write(conn, competitors.insert().values(
            id=str(uuid.uuid4()), name=name, name_key=competitor_key(name), website=body.get("website"),
            strengths=body.get("strengths"), weaknesses=body.get("weaknesses"), created_by=p.user_id))
        _emit(emit, "customer.competitor.created", row)
    return row


def update_competitor(ctx: ServiceContext, events: EventContext, p: Principal, competitor_id: str,
                      body: Mapping[str, Any]) -> Row:
    _require_editor(p)
    with ctx.transaction(events) as (conn, emit):
        load_competitor(conn, competitor_id, for_update=True)
        changes: dict[str, Any] = {k: body[k] for k in FIELDS if k in body}
        if "name" in changes:
            changes["name"] = changes["name"].strip()
            changes["name_key"] = competitor_key(changes["name"])
        row = _write(conn, competitors.update().where(competitors.c.id == competitor_id)
                     .values(**changes, updated_at=sa.func.now()))
        _emit(emit, "customer.competitor.updated", row)
    return row
