"""GET /timeline (one customer) and GET /audit (across customers): newest first, keyset
paginated on (occurred_at, seq) with `before` / `next_cursor`; `page` stays for the
contract (OFFSET, bounded to the first 10,000 entries)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement

from services.tracking.api import answers as out
from services.tracking.api.params import check_offset, cursor_arg, id_arg, period_args, text_arg
from services.tracking.api.readers import reader_of
from services.tracking.api.regions import is_branch_customer, with_branches
from services.tracking.domain import cursor as cursor_codec
from services.tracking.domain.disclosure import Reader, disclose
from services.tracking.models import events
from services.tracking.summaries import with_actor
from shared.copies import CopyMissing
from shared.errors import NotFound, ValidationFailed
from shared.identity import Principal
from shared.openapi import api_doc
from shared.service import service_context
from shared.visibility import (
    can_see_customer,
    customer_filter,
    granted_customer_ids,
    has_grant,
    visible_user_ids,
)
from shared.web import page_args, principal

bp = Blueprint("tracking_timeline", __name__)

COUNT_CAP = 10_000  # timeline: `total` is exact up to this many entries (`total_capped` beyond)
AUDIT_COUNT_CAP = 1_000  # audit scans across customers: a smaller cap keeps the count cheap
# roles that see every customer's events of one service only (API.md: finance sees billing,
# warehouse sees inventory and shipping)
SERVICE_ROLES = {"finance": "billing", "warehouse": "inventory"}

_users = sa.table("acl_users", sa.column("id"), sa.column("full_name"), sa.column("username"))


def _entry(row: Row, zh_first: bool, reader: Reader) -> dict:
    """One entry, with only the detail this reader may see of its source record."""
    name = row.full_name or row.username
    shown = disclose(reader, row.event_type, row.data, row.summary, row.summary_zh)
    en, zh = with_actor(name, shown.summary_en, shown.summary_zh)
    return {
        "occurred_at": row.occurred_at.isoformat(),
        "type": row.event_type,
        "actor_id": row.actor_id,
        "actor_name": name,
        "summary": zh if zh_first else en,
        "summary_en": en,
        "summary_zh": zh,
        "event_id": row.event_id,
        "service": row.service,
        "region": row.region,
        "customer_id": row.customer_id,
        "aggregate_type": row.aggregate_type,
        "aggregate_id": row.aggregate_id,
        "correlation_id": row.correlation_id,
        "causation_id": row.causation_id,
        "data": shown.data,
        "redacted": shown.redacted,
    }


def _filters() -> list[ColumnElement]:
    out: list[ColumnElement] = []
    service = text_arg("service", 40)
    if service:
        out.append(events.c.service == service)
    event_type = text_arg("type", 120)
    if event_type:
        out.append(events.c.event_type == event_type)
    region = text_arg("region", 40)
    if region:  # head office: one region's entries (its own or a branch's)
        out.append(events.c.region == region)
    return out


def _page(conn: Connection, me: Principal, where: list[ColumnElement], count_cap: int = COUNT_CAP):
    """One page of entries for the conditions, with total and next_cursor; each entry as
    much as the caller may see of it."""
    page, per_page = page_args()
    before = cursor_arg("before")
    if before is None:
        check_offset(page, per_page)
    cond = sa.and_(*where) if where else sa.true()
    total = conn.execute(
        sa.select(sa.func.count()).select_from(sa.select(events.c.seq).where(cond).limit(count_cap + 1).subquery())
    ).scalar_one()
    query = (
        sa.select(events, _users.c.full_name, _users.c.username)
        .select_from(events.outerjoin(_users, _users.c.id == events.c.actor_id))
        .where(cond)
        .order_by(events.c.occurred_at.desc(), events.c.seq.desc())
        .limit(per_page + 1)
    )
    if before is not None:
        query = query.where(sa.tuple_(events.c.occurred_at, events.c.seq) < sa.tuple_(
            sa.literal(before[0], sa.DateTime(timezone=True)), sa.literal(before[1], sa.BigInteger)))
    else:
        query = query.offset((page - 1) * per_page)
    rows = conn.execute(query).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    reader = reader_of(conn, me)
    zh_first = (request.headers.get("Accept-Language") or "").lower().startswith("zh")
    next_cursor = cursor_codec.encode(rows[-1].occurred_at, rows[-1].seq) if more and rows else None
    return jsonify({
        "items": [_entry(r, zh_first, reader) for r in rows],
        "total": min(total, count_cap), "total_capped": total > count_cap,
        "page": page, "per_page": per_page, "next_cursor": next_cursor,
    })


@bp.get("/timeline")
@api_doc(response=out.TimelinePage, summary="A customer's timeline: every event on it, newest first (customer_id, type, region, from, to, before)")
def timeline():
    customer_id = id_arg("customer_id")
    if not customer_id:
        raise ValidationFailed("customer_id is required", details={"customer_id": ["required"]})
    me = principal()
    where = [events.c.customer_id == customer_id, *_filters()]
    with service_context().engine.connect() as conn:
        known = conn.execute(sa.text("SELECT 1 FROM acl_customers WHERE customer_id = :c"),
                             {"c": customer_id}).first()
        # a customer tracking has not heard of yet (just created): wait for it (shared.copies)
        not_found = NotFound("customer not found")
        if me.role in SERVICE_ROLES:
            if not known:
                raise CopyMissing(not_found, ("acl_customers", customer_id))
            if not has_grant(conn, me.user_id, customer_id):  # an assignment shows the whole timeline
                where.append(events.c.service == SERVICE_ROLES[me.role])
        elif not can_see_customer(conn, me, customer_id, "tracking", read=True) and \
                not is_branch_customer(conn, me, customer_id):  # head office's managers: every branch
            raise not_found if known else CopyMissing(not_found, ("acl_customers", customer_id))
        return _page(conn, me, where)


def audit_scope(conn: Connection, me: Principal) -> ColumnElement:
    """Admin: everything. Manager / sales: events on customers they see (assignment grants
    included), and their team's (their own) actions that concern no customer. Finance /
    warehouse: every event of billing / inventory, events on customers an assignment lets
    them read, and their own actions that concern no customer."""
    if me.role == "admin":
        return sa.true()
    no_customer = events.c.customer_id.is_(None)
    if me.role in SERVICE_ROLES:
        return sa.or_(events.c.service == SERVICE_ROLES[me.role],
                      events.c.customer_id.in_(granted_customer_ids(me)),
                      sa.and_(no_customer, events.c.actor_id == me.user_id))
    team = visible_user_ids(conn, me)
    # the visible customers as a literal list, so the planner can estimate how many events
    # they hold (walk the time index for many, the customer index for few); the subquery
    # form for a very large view
    ids = [r[0] for r in conn.execute(_VISIBLE_CUSTOMERS, {"owners": team, "me": me.user_id, "n": MAX_LISTED + 1})]
    on_customers = (events.c.customer_id == sa.any_(sa.literal(ids, ARRAY(sa.String)))
                    if len(ids) <= MAX_LISTED else customer_filter(conn, me, events.c.customer_id, "tracking",
                                                                   read=True))
    return with_branches(sa.or_(on_customers, sa.and_(no_customer, events.c.actor_id.in_(team))), events.c.region, me)


MAX_LISTED = 20_000
_VISIBLE_CUSTOMERS = sa.text(
    "SELECT customer_id FROM acl_customers WHERE owner_id = ANY(:owners) "
    "UNION SELECT customer_id FROM acl_customer_shares WHERE user_id = :me "
    "UNION SELECT customer_id FROM acl_grants WHERE user_id = :me LIMIT :n"
)


@bp.get("/audit")
@api_doc(response=out.TimelinePage, summary="The audit trail the caller may see (actor_id, service, type, region, from, to, before)")
def audit():
    me = principal()
    start, end = period_args()
    where = _filters()
    actor_id = id_arg("actor_id")
    if actor_id:
        where.append(events.c.actor_id == actor_id)
    customer_id = id_arg("customer_id")
    if customer_id:
        where.append(events.c.customer_id == customer_id)
    if start:
        where.append(events.c.occurred_at >= start)
    if end:
        where.append(events.c.occurred_at < end)
    with service_context().engine.connect() as conn:
        where.append(audit_scope(conn, me))
        return _page(conn, me, where, AUDIT_COUNT_CAP)
