"""A user's calendar: one list of what is on their plate, from several sources.

Each source is a small function (conn, caller, user id, window) -> items, registered by its
kind; GET /calendar and the .ics feed ask every registered source. A source filters by the
caller's visibility itself, so the calendar never shows more than the caller's lists would.
Sources here: tasks, planned visits (the weekly work plans), out-of-office registrations,
service orders due, quote validity ends (the copy kept from sales.quote.* events, handlers.py).
Another source plugs in the same way (`register_source(kind, fn)`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.customer.access import customer_clause
from services.customer.commands.tasks import task_clause
from services.customer.models import (
    out_of_office,
    quote_deadlines,
    service_orders,
    tasks,
    work_plans,
)
from shared.identity import Principal

MAX_WINDOW = dt.timedelta(days=400)
PER_SOURCE = 2000  # at most this many items of one kind in one answer


@dataclass(frozen=True)
class Window:
    """[start, end): moments with their offsets."""

    start: dt.datetime
    end: dt.datetime

    @property
    def first_day(self) -> dt.date:
        return self.start.astimezone(dt.UTC).date()

    @property
    def last_day(self) -> dt.date:
        """The last day (UTC) the window touches."""
        return (self.end - dt.timedelta(microseconds=1)).astimezone(dt.UTC).date()


@dataclass(frozen=True)
class Item:
    kind: str
    id: str
    title: str
    starts_at: dt.datetime
    user_id: str
    ends_at: dt.datetime | None = None
    all_day: bool = False
    customer_id: str | None = None
    status: str | None = None
    extra: dict = field(default_factory=dict)


Source = Callable[[Connection, Principal, str, Window], list[Item]]
SOURCES: dict[str, Source] = {}


def register_source(kind: str, fn: Source) -> Source:
    SOURCES[kind] = fn
    return fn


def source(kind: str) -> Callable[[Source], Source]:
    return lambda fn: register_source(kind, fn)


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, dt.UTC)


def items_for(conn: Connection, who: Principal, user_id: str, window: Window,
              kinds: list[str] | None = None) -> list[Item]:
    """Every source's items in the window, by start time."""
    found: list[Item] = []
    for kind, fn in SOURCES.items():
        if kinds is None or kind in kinds:
            found.extend(fn(conn, who, user_id, window))
    return sorted(found, key=lambda i: (i.starts_at, i.kind, i.id))


@source("task")
def task_items(conn: Connection, who: Principal, user_id: str, window: Window) -> list[Item]:
    """The user's tasks due in the window (not cancelled ones)."""
    rows = conn.execute(sa.select(tasks).where(
        tasks.c.assignee_id == user_id, tasks.c.status != "cancelled",
        tasks.c.due_at >= window.start, tasks.c.due_at < window.end, task_clause(conn, who),
    ).order_by(tasks.c.due_at, tasks.c.id).limit(PER_SOURCE))
    return [Item("task", r.id, r.title, r.due_at, r.assignee_id, customer_id=r.customer_id, status=r.status)
            for r in rows]


@source("planned_visit")
def planned_visits(conn: Connection, who: Principal, user_id: str, window: Window) -> list[Item]:
    """The user's weekly work plans (the visits they planned) as whole weeks."""
    rows = conn.execute(sa.select(work_plans).where(
        work_plans.c.user_id == user_id,
        work_plans.c.week_start <= window.last_day,
        work_plans.c.week_start > window.first_day - dt.timedelta(days=7),
    ).order_by(work_plans.c.week_start).limit(PER_SOURCE))
    return [Item("planned_visit", r.id, _first_line(r.plan), midnight(r.week_start), r.user_id,
                 ends_at=midnight(r.week_start + dt.timedelta(days=7)), all_day=True) for r in rows]


@source("out_of_office")
def absences(conn: Connection, who: Principal, user_id: str, window: Window) -> list[Item]:
    rows = conn.execute(sa.select(out_of_office).where(
        out_of_office.c.user_id == user_id, out_of_office.c.start_at < window.end,
        out_of_office.c.end_at > window.start,
        customer_clause(conn, who, out_of_office.c.customer_id, read=True),
    ).order_by(out_of_office.c.start_at).limit(PER_SOURCE))
    return [Item("out_of_office", r.id, " ".join(x for x in (r.destination, r.purpose) if x), r.start_at,
                 r.user_id, ends_at=r.end_at, customer_id=r.customer_id) for r in rows]


SERVICE_ORDERS_PENDING = ("open", "in_progress", "waiting_parts")


@source("service_order")
def service_orders_due(conn: Connection, who: Principal, user_id: str, window: Window) -> list[Item]:
    """The user's service and repair orders due in the window, while they are still to do."""
    rows = conn.execute(sa.select(service_orders).where(
        service_orders.c.assignee_id == user_id, service_orders.c.status.in_(SERVICE_ORDERS_PENDING),
        service_orders.c.due_at >= window.start, service_orders.c.due_at < window.end,
        customer_clause(conn, who, service_orders.c.customer_id, read=True),
    ).order_by(service_orders.c.due_at, service_orders.c.id).limit(PER_SOURCE))
    return [Item("service_order", r.id, f"{r.number} {r.subject}", r.due_at, r.assignee_id,
                 customer_id=r.customer_id, status=r.status) for r in rows]


@source("quote_expiry")
def quote_expiries(conn: Connection, who: Principal, user_id: str, window: Window) -> list[Item]:
    """The validity end of the user's quotes still open (draft or sent)."""
    rows = conn.execute(sa.select(quote_deadlines).where(
        quote_deadlines.c.owner_id == user_id, quote_deadlines.c.status.in_(("draft", "sent")),
        quote_deadlines.c.valid_until >= window.first_day, quote_deadlines.c.valid_until <= window.last_day,
        customer_clause(conn, who, quote_deadlines.c.customer_id, read=True),
    ).order_by(quote_deadlines.c.valid_until).limit(PER_SOURCE))
    return [Item("quote_expiry", r.quote_id, r.number, midnight(r.valid_until), r.owner_id,
                 ends_at=midnight(r.valid_until + dt.timedelta(days=1)), all_day=True, customer_id=r.customer_id,
                 status=r.status) for r in rows]


def _first_line(text: str) -> str:
    line = next((x.strip() for x in text.splitlines() if x.strip()), "")
    return line[:120]
