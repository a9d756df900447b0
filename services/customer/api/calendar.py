"""GET /calendar: one list of a user's tasks, planned visits, out-of-office registrations,
quote validity ends (and service orders due, once their source is registered) —
services/customer/calendar.py; a manager sees their team's calendars, an admin anyone's.
The iCalendar feed: POST /calendar/feed issues (or regenerates) the caller's secret URL,
DELETE revokes it; GET /calendar/feed/<token>.ics is read without a bearer token (the
gateway passes it on as a public call) as the token's user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate
from sqlalchemy.engine import Connection

from services.customer import calendar, calendar_feed
from services.customer.access import get_user
from services.customer.api import answers as out
from services.customer.api.common import moment_arg
from services.customer.commands import calendar as commands
from shared.errors import Forbidden, NotFound, ValidationFailed
from shared.openapi import api_doc
from shared.service import service_context
from shared.visibility import customer_names, sees_all, visible_user_ids
from shared.web import iso, load_query, principal, uuid_arg

bp = Blueprint("calendar", __name__)
FEED_PREFIX = "/calendar/feed/"


class CalendarQuery(Schema):
    """(For the document: the view reads them with moment_arg.)"""

    from_ = fields.String(required=True, data_key="from",
                          metadata={"description": "a date YYYY-MM-DD or an ISO 8601 time with its offset"})
    to = fields.String(required=True, metadata={"description": "a date (inclusive) or a time; at most 400 days after from"})
    user_id = fields.UUID(metadata={"description": "a manager's team member (an admin: anyone); default the caller"})
    kinds = fields.String(metadata={"description": "comma-separated kinds to include (default all)"})


class FeedQuery(Schema):
    lang = fields.String(validate=validate.OneOf(("zh", "en")), metadata={"description": "zh (default) or en"})


def item_json(item: calendar.Item, names: dict[str, str | None]) -> dict[str, Any]:
    return {"kind": item.kind, "id": item.id, "title": item.title, "starts_at": iso(item.starts_at),
            "ends_at": iso(item.ends_at), "all_day": item.all_day, "customer_id": item.customer_id,
            "customer_name": names.get(item.customer_id) if item.customer_id else None, "user_id": item.user_id,
            "status": item.status}


def _calendar_user(conn: Connection, user_id: str | None) -> str:
    """Whose calendar: the caller's, or (user_id) a user in a manager's team; an admin's anyone's."""
    who = principal()
    if not user_id or user_id == who.user_id:
        return who.user_id
    if sees_all(who, "customer"):
        if get_user(conn, user_id) is None:
            raise NotFound("user not found")
        return user_id
    if who.role == "manager" and user_id in visible_user_ids(conn, who):
        return user_id
    raise Forbidden("you may see your own calendar and, as a manager, your team's",
                    details={"user_id": ["not you or someone in your team"]})


@bp.get("/calendar")
@api_doc(response=out.Calendar, query=CalendarQuery, summary="A user's calendar between from and to (user_id: a manager's team member)")
def get_calendar() -> ResponseReturnValue:
    start, end = moment_arg("from", required=True), moment_arg("to", required=True)
    assert start is not None and end is not None
    if len(request.args.get("to", "")) <= 10:  # a date: the whole day
        end += dt.timedelta(days=1)
    if end <= start or end - start > calendar.MAX_WINDOW:
        raise ValidationFailed("invalid window", details={"to": ["must be after from, at most 400 days later"]})
    kinds = [k for k in request.args.get("kinds", "").split(",") if k] or None
    with service_context().engine.connect() as conn:
        user_id = _calendar_user(conn, uuid_arg(request.args.get("user_id"), "user_id"))
        items = calendar.items_for(conn, principal(), user_id, calendar.Window(start, end), kinds)
        names = customer_names(conn, [i.customer_id for i in items if i.customer_id])
    return jsonify({"items": [item_json(i, names) for i in items]})


def _feed_json(row: Any, token: str | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"active": row is not None, "created_at": iso(row.created_at) if row else None}
    if token:
        answer.update(token=token, path=f"{FEED_PREFIX}{token}.ics")
    return answer


@bp.get("/calendar/feed")
@api_doc(response=out.CalendarFeed, summary="Whether the caller has a calendar feed URL")
def feed_status() -> ResponseReturnValue:
    with service_context().engine.connect() as conn:
        return jsonify(_feed_json(calendar_feed.current(conn, principal().user_id)))


@bp.post("/calendar/feed")
@api_doc(response=out.CalendarFeed, status=201,
         summary="Issue the caller's secret calendar feed URL (a new one replaces the old)")
def issue_feed() -> ResponseReturnValue:
    token, row = commands.issue_feed(service_context(), principal())
    return jsonify(_feed_json(row, token)), 201


@bp.delete("/calendar/feed")
@api_doc(status=204, summary="Revoke the caller's calendar feed URL")
def revoke_feed() -> ResponseReturnValue:
    commands.revoke_feed(service_context(), principal())
    return "", 204


@bp.get("/calendar/feed/<token>.ics")
@api_doc(produces="text/calendar", query=FeedQuery, responses={404: "unknown or revoked feed"},
         summary="The calendar feed (iCalendar) of the token's user: no bearer token; lang=zh|en")
def feed(token: str) -> ResponseReturnValue:
    ctx = service_context()
    now = dt.datetime.now(dt.UTC)
    lang = load_query(FeedQuery()).get("lang", "zh")
    with ctx.engine.connect() as conn:
        who = calendar_feed.owner_of(conn, token, ctx.settings.region)
        if who is None:
            raise NotFound("calendar feed not found")
        start, end = calendar_feed.feed_window(now)
        items = calendar.items_for(conn, who, who.user_id, calendar.Window(start, end))
        names = customer_names(conn, [i.customer_id for i in items if i.customer_id])
    return Response(calendar_feed.render(items, names, lang, now), mimetype="text/calendar",
                    headers={"Cache-Control": "no-store"})
