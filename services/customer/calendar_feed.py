"""The calendar as an iCalendar (.ics) feed a phone subscribes to: a per-user secret token
(only its SHA-256 is stored; regenerating replaces it, revoking deletes it) and the rendering.
The feed is read as the token's user: the same sources and visibility as their GET /calendar."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import icalendar
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from services.customer.access import users
from services.customer.calendar import Item
from services.customer.models import calendar_feeds
from shared.identity import Principal

PAST = dt.timedelta(days=31)
FUTURE = dt.timedelta(days=190)
TASK_LENGTH = dt.timedelta(minutes=30)
WORDS = {
    "zh": {"task": "任务", "planned_visit": "计划拜访", "out_of_office": "外出", "quote_expiry": "报价到期",
           "service_order": "服务工单", "done": "（已完成）", "calendar": "CRM 日程"},
    "en": {"task": "Task", "planned_visit": "Planned visits", "out_of_office": "Out of office",
           "quote_expiry": "Quote expires", "service_order": "Service order", "done": " (done)",
           "calendar": "CRM calendar"},
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(conn: Connection, user_id: str) -> tuple[str, Any]:
    """A new token for the user (the previous one stops working): (token, row)."""
    token = secrets.token_urlsafe(32)
    stmt = pg_insert(calendar_feeds).values(user_id=user_id, token_hash=token_hash(token))
    row = conn.execute(stmt.on_conflict_do_update(
        index_elements=["user_id"], set_={"token_hash": stmt.excluded.token_hash, "created_at": sa.func.now()},
    ).returning(*calendar_feeds.c)).one()
    return token, row


def current(conn: Connection, user_id: str) -> Any:
    return conn.execute(sa.select(calendar_feeds).where(calendar_feeds.c.user_id == user_id)).first()


def revoke(conn: Connection, user_id: str) -> bool:
    return conn.execute(calendar_feeds.delete().where(calendar_feeds.c.user_id == user_id)).rowcount > 0


def owner_of(conn: Connection, token: str, region: str = "") -> Principal | None:
    """The active user the token belongs to, as a caller (their role from the user copy)."""
    if not token or len(token) > 200:
        return None
    row = conn.execute(
        sa.select(users.c.id, users.c.role, users.c.username, users.c.active)
        .select_from(calendar_feeds.join(users, users.c.id == calendar_feeds.c.user_id))
        .where(calendar_feeds.c.token_hash == token_hash(token))).first()
    if row is None or not row.active:
        return None
    return Principal(row.id, row.role, row.username or "", region)


def feed_window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return now - PAST, now + FUTURE


def render(items: list[Item], names: dict[str, str | None], lang: str, now: dt.datetime) -> bytes:
    words = WORDS.get(lang, WORDS["zh"])
    cal = icalendar.Calendar()
    cal.add("prodid", "-//CRM suite//calendar feed//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", words["calendar"])
    for item in items:
        event = icalendar.Event()
        event.add("uid", f"{item.kind}-{item.id}@crm")
        event.add("dtstamp", now)
        title = f"{words.get(item.kind, item.kind)}：{item.title}" if lang == "zh" else \
            f"{words.get(item.kind, item.kind)}: {item.title}"
        if item.kind == "task" and item.status == "done":
            title += words["done"]
        event.add("summary", title)
        if item.all_day:
            event.add("dtstart", item.starts_at.date())
            event.add("dtend", (item.ends_at or item.starts_at + dt.timedelta(days=1)).date())
        else:
            event.add("dtstart", item.starts_at.astimezone(dt.UTC))
            event.add("dtend", (item.ends_at or item.starts_at + TASK_LENGTH).astimezone(dt.UTC))
        customer = names.get(item.customer_id) if item.customer_id else None
        if customer:
            event.add("description", customer)
        cal.add_component(event)
    return cal.to_ical()
