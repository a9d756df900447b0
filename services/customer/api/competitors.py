"""/competitors: shared reference data (issue 16). Every user may list and read them;
sales, managers and admins record and change them (services/customer/commands/competitors.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema

from services.customer.api import answers as out
from services.customer.api.common import text
from services.customer.commands import competitors as commands
from services.customer.models import competitors
from shared.errors import ValidationFailed
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
    principal,
)

bp = Blueprint("competitors", __name__)


class CompetitorIn(Schema):
    name = text(200, required=True)
    website = text(300)
    strengths = text(5000)
    weaknesses = text(5000)


def competitor_json(row: Any) -> dict[str, Any]:
    return {**commands.snapshot(row), "created_by": row.created_by, "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at)}


@bp.post("/competitors")
@api_doc(body=CompetitorIn, response=out.Competitor, status=201, summary="Record a competitor (sales, manager, admin)")
def create_competitor() -> ResponseReturnValue:
    body = load(CompetitorIn())
    row = commands.record_competitor(service_context(), event_context(), principal(), body)
    return jsonify(competitor_json(row)), 201


@bp.get("/competitors")
@api_doc(page=out.Competitor, summary="Competitors, by name (q: part of the name)")
def list_competitors() -> ResponseReturnValue:
    principal()
    page, per_page = page_args()
    q = (request.args.get("q") or "").strip()
    if len(q) > 200:
        raise ValidationFailed("invalid filters", details={"q": ["at most 200 characters"]})
    stmt = sa.select(competitors)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(competitors.c.name.ilike(f"%{escaped}%", escape="\\"))
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(conn, stmt.order_by(competitors.c.name, competitors.c.id), page, per_page)
    return page_response([competitor_json(r) for r in rows], total, page, per_page)


@bp.get("/competitors/<competitor_id>")
@api_doc(response=out.Competitor, summary="A competitor")
def get_competitor(competitor_id: str) -> ResponseReturnValue:
    principal()
    with service_context().engine.connect() as conn:
        return jsonify(competitor_json(commands.load_competitor(conn, path_id(competitor_id, "competitor"))))


@bp.patch("/competitors/<competitor_id>")
@api_doc(body=CompetitorIn(partial=True), response=out.Competitor, summary="Change a competitor (sales, manager, admin)")
def update_competitor(competitor_id: str) -> ResponseReturnValue:
    body = load(CompetitorIn(), partial=True)
    if not body:
        raise ValidationFailed("nothing to change", details={"_schema": ["give at least one field"]})
    row = commands.update_competitor(service_context(), event_context(), principal(),
                                     path_id(competitor_id, "competitor"), body)
    return jsonify(competitor_json(row))
