"""Pure rules of tasks (follow-ups with reminders): the status flow, the records a task may
be about, the next occurrence of a recurring task."""

from __future__ import annotations

import calendar
import datetime as dt

TASK_STATUSES = ("open", "done", "cancelled")
REPEATS = ("weekly", "monthly")
# what a task may be about besides its customer (lead: this service; the others: sales,
# the service orders: this service once they exist)
RELATED_TYPES = ("lead", "opportunity", "quote", "order", "service_order")

# open -> done / cancelled; a done or cancelled task may be reopened; nothing else (not
# even staying put, nor done <-> cancelled without reopening)
TASK_FLOW = {"open": {"done", "cancelled"}, "done": {"open"}, "cancelled": {"open"}}


def task_transition_allowed(current: str, new: str) -> bool:
    return new in TASK_FLOW.get(current, set())


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day of the month `months` later (the month's last day when it has fewer
    days: 31 Jan + 1 month = 28/29 Feb), same time of day."""
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def next_occurrence(moment: dt.datetime, repeat: str) -> dt.datetime:
    """When a recurring task comes back: a week or a month after this one."""
    if repeat == "weekly":
        return moment + dt.timedelta(weeks=1)
    if repeat == "monthly":
        return add_months(moment, 1)
    raise ValueError(f"unknown repeat {repeat!r}")


def next_times(due_at: dt.datetime, remind_at: dt.datetime | None,
               repeat: str) -> tuple[dt.datetime, dt.datetime | None]:
    """The next occurrence's due and remind times: the reminder keeps its distance to the due time."""
    due = next_occurrence(due_at, repeat)
    return due, (due - (due_at - remind_at) if remind_at is not None else None)


def is_overdue(status: str, due_at: dt.datetime, now: dt.datetime) -> bool:
    return status == "open" and due_at < now
