"""/sales-targets: a rep's target per month (销售目标), set and removed by their managers or
an admin, read by whoever sees the rep's numbers (the rep, their managers, admin, finance).
Attainment against revenue is tracking's report /reports/target-attainment."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from marshmallow import Schema

from services.sales import target_store as store
from services.sales.api import answers as out
from services.sales.api.common import MoneyField
from services.sales.domain import targets as rules
from services.sales.models import sales_targets
from shared.copies import CopyMissing
from shared.errors import NotFound, ValidationFailed
from shared.identity import Principal
from shared.openapi import api_doc
from shared.service import request_emitter, service_context
from shared.visibility import is_manager_of, owner_filter
from shared.web import (
    count_and_page,
    load,
    page_args,
    page_response,
    path_id,
    principal,
    uuid_arg,
    whole_arg,
)

bp = Blueprint("targets", __name__)


class TargetIn(Schema):
    amount = MoneyField(required=True)


def _checked(conn, p: Principal, owner_id: str, month: str) -> None:
    """The month well formed, the owner a rep or manager (waiting for a just-created user's
    copy), the caller allowed to set their targets."""
    rules.check_month(month)
    role = store.owner_role(conn, owner_id)
    if role is None:
        raise CopyMissing(ValidationFailed("unknown sales rep", details={"owner_id": ["no such sales rep or manager"]}),
                          ("acl_users", owner_id))
    rules.check_may_set(actor_id=p.user_id, actor_role=p.role, owner_id=owner_id, owner_role=role,
                        actor_manages_owner=p.role == "manager" and is_manager_of(conn, p.user_id, owner_id))


@bp.put("/sales-targets/<owner_id>/<month>")
@api_doc(body=TargetIn, response=out.SalesTarget,
         summary="Set a rep's target for a month (YYYY-MM): their managers or an admin", tags=["sales"])
def set_target(owner_id: str, month: str):
    p = principal()
    owner_id = path_id(owner_id, "sales rep")
    body = load(TargetIn())
    rules.check_amount(body["amount"])
    with service_context().engine.begin() as conn:
        _checked(conn, p, owner_id, month)
        answer = store.set_target(conn, request_emitter(conn), owner_id=owner_id, month=month,
                                  amount=body["amount"], set_by=p.user_id)
    return jsonify(answer)


@bp.delete("/sales-targets/<owner_id>/<month>")
@api_doc(status=204, summary="Remove a rep's target for a month: their managers or an admin", tags=["sales"])
def remove_target(owner_id: str, month: str):
    p = principal()
    owner_id = path_id(owner_id, "sales rep")
    with service_context().engine.begin() as conn:
        _checked(conn, p, owner_id, month)
        if not store.remove_target(conn, request_emitter(conn), owner_id=owner_id, month=month,
                                   removed_by=p.user_id):
            raise NotFound("no target for this rep and month")
    return "", 204


@bp.get("/sales-targets")
@api_doc(page=out.SalesTarget, summary="Targets of the reps the caller sees (owner_id, year, month)", tags=["sales"])
def list_targets():
    p = principal()
    page, per_page = page_args()
    details: dict[str, list[str]] = {}
    year = whole_arg("year", None, rules.FIRST_YEAR, rules.LAST_YEAR, details)
    if details:
        raise ValidationFailed("invalid year", details=details)
    t = sales_targets
    with service_context().engine.connect() as conn:
        where = [owner_filter(conn, p, t.c.owner_id, "reports")]
        owner = uuid_arg(request.args.get("owner_id"), "owner_id")
        if owner:
            where.append(t.c.owner_id == owner)
        if year is not None:
            where.append(t.c.month.like(f"{year}-%"))
        if request.args.get("month"):
            where.append(t.c.month == rules.check_month(request.args["month"]))
        rows, total = count_and_page(conn, sa.select(t).where(*where).order_by(t.c.month, t.c.owner_id),
                                     page, per_page)
    return page_response([store.view(r) for r in rows], total, page, per_page)
